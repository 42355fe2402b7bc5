import type { ResolvedConfig } from '../config/resolve.js';
import type { SqlStore } from '../store/types.js';
import { runConsistencyChecks, runSmokeChecks } from './checks.js';
import { type Probe, waitHealthy } from './health-gate.js';
import type { Instance } from './instance.js';
import type { Phase } from './phases.js';
import type { RunningDeploy } from './progress.js';

/** What a deploy needs from the controller. */
export interface DeploySteps {
  config: ResolvedConfig;
  store: SqlStore;
  /** Persists a phase change (and logs it). */
  phase(run: RunningDeploy, phase: Phase, detail?: Record<string, unknown>): Promise<void>;
  launch(run: RunningDeploy): Promise<Instance | undefined>;
}

/** Green passed every gate (`instance` is undefined for an external app), or why not. */
export type GateResult =
  | { passed: true; instance: Instance | undefined }
  | { passed: false; reason: string };

/**
 * The gates every deploy passes before green gets traffic: start, wait for health, smoke
 * checks, consistency checks. Everything must fit in the deploy timeout. Then the caller
 * switches (blue-green) or starts the canary steps.
 */
export async function runGates(steps: DeploySteps, run: RunningDeploy): Promise<GateResult> {
  const stop = (reason: string): GateResult => ({ passed: false, reason });
  const { deploy, app } = steps.config;
  const signal = run.abort.signal;
  const deadline = run.startedAt + deploy.timeoutMs;
  await steps.phase(run, 'starting');
  const instance = await steps.launch(run);
  if (signal.aborted) return stop('aborted');
  const base = run.release.url as string;
  await steps.phase(run, 'health', { url: base });
  const reason = await waitInstanceHealthy(
    steps.config,
    base,
    instance,
    deadline,
    signal,
    (probe, attempt) => {
      run.probe = { ...probe, attempt };
    },
  );
  if (reason !== undefined) return stop(reason);

  if (deploy.smoke.length > 0) {
    await steps.phase(run, 'smoke', { checks: deploy.smoke.length });
    const smoke = await runSmokeChecks(deploy.smoke, base, {
      timeoutMs: Math.max(deadline - Date.now(), 1),
      cwd: app.cwd,
      signal,
    });
    if (smoke !== undefined) return stop(smoke);
  }
  if (deploy.checks.length > 0) {
    await steps.phase(run, 'consistency', { checks: deploy.checks.length });
    const consistency = await runConsistencyChecks(deploy.checks, steps.store);
    if (consistency !== undefined) return stop(consistency);
  }
  if (signal.aborted) return stop('aborted');
  if (Date.now() > deadline) return stop('checks did not finish within the deploy timeout');
  return { passed: true, instance };
}

/** Waits for green's health path to pass before `deadline`; fails at once if its process exits. */
export function waitInstanceHealthy(
  config: ResolvedConfig,
  base: string,
  instance: Instance | undefined,
  deadline: number,
  signal: AbortSignal,
  onProbe?: (probe: Probe, attempt: number) => void,
): Promise<string | undefined> {
  return waitHealthy({
    url: new URL(config.app.healthPath, base).href,
    intervalMs: config.deploy.healthIntervalMs,
    timeoutMs: config.deploy.healthTimeoutMs,
    deadline,
    signal,
    ...(instance
      ? {
          exited: instance
            .nextExit()
            .then(
              (exit) => `exited with ${exit.signal ?? `code ${exit.code}`} before becoming healthy`,
            ),
        }
      : {}),
    ...(onProbe ? { onProbe } : {}),
  });
}
