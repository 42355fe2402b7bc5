import type { ResolvedConfig } from '../config/resolve.js';
import type { SqlStore } from '../store/types.js';
import { runConsistencyChecks, runSmokeChecks } from './checks.js';
import { waitHealthy } from './health-gate.js';
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
  /** Switches all new requests to green, atomically; resolves false if aborted first. */
  promote(run: RunningDeploy, instance: Instance | undefined): Promise<boolean>;
}

/**
 * The blue-green sequence for green: start, wait for health, smoke checks, consistency
 * checks, switch. Resolves with the reason it stopped short, or undefined when promoted.
 * Everything before the switch must fit in the deploy timeout.
 */
export async function runBlueGreen(
  steps: DeploySteps,
  run: RunningDeploy,
): Promise<string | undefined> {
  const { deploy, app } = steps.config;
  const signal = run.abort.signal;
  const deadline = run.startedAt + deploy.timeoutMs;
  await steps.phase(run, 'starting');
  const instance = await steps.launch(run);
  if (signal.aborted) return 'aborted';
  const base = run.release.url as string;
  await steps.phase(run, 'health', { url: base });
  const reason = await waitHealthy({
    url: new URL(app.healthPath, base).href,
    intervalMs: deploy.healthIntervalMs,
    timeoutMs: deploy.healthTimeoutMs,
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
    onProbe: (probe, attempt) => {
      run.probe = { ...probe, attempt };
    },
  });
  if (reason !== undefined) return reason;

  if (deploy.smoke.length > 0) {
    await steps.phase(run, 'smoke', { checks: deploy.smoke.length });
    const smoke = await runSmokeChecks(deploy.smoke, base, {
      timeoutMs: Math.max(deadline - Date.now(), 1),
      cwd: app.cwd,
      signal,
    });
    if (smoke !== undefined) return smoke;
  }
  if (deploy.checks.length > 0) {
    await steps.phase(run, 'consistency', { checks: deploy.checks.length });
    const consistency = await runConsistencyChecks(deploy.checks, steps.store);
    if (consistency !== undefined) return consistency;
  }
  if (signal.aborted) return 'aborted';
  if (Date.now() > deadline) return 'checks did not finish within the deploy timeout';
  return (await steps.promote(run, instance)) ? undefined : 'aborted';
}
