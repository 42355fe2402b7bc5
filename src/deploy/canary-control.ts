import type { ResolvedConfig } from '../config/resolve.js';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { Router } from '../router/router.js';
import type { RolloutMailbox } from './canary-commands.js';
import type { RolloutEnd } from './canary-run.js';
import { waitInstanceHealthy } from './deploy-run.js';
import type { Instance } from './instance.js';
import type { RunningDeploy } from './progress.js';
import type { ReleaseRunner } from './runner.js';
import type { Release, RolloutState } from './state.js';
import { weightAt } from './steps.js';

export const promotedOr = (promoted: boolean): RolloutEnd =>
  promoted ? { kind: 'promoted' } : { kind: 'stopped', reason: 'aborted' };

/** The rollout of a canary that just passed its gates: at its first step. */
export function newRollout(run: RunningDeploy, defaultIntervalMs: number): RolloutState {
  const steps = run.steps ?? [];
  return {
    steps,
    index: 0,
    weight: weightAt(steps, 0),
    intervalMs: run.intervalMs ?? defaultIntervalMs,
    stepStartedAt: new Date().toISOString(),
    failures: 0,
    paused: null,
  };
}

/** The deploy under way if it is in its canary steps; the refusal an operator gets otherwise. */
export function rolloutUnderWay(
  run: RunningDeploy | undefined,
): RunningDeploy & { mailbox: RolloutMailbox } {
  if (run === undefined)
    throw new BreakwaterError(errors.DEPLOY_NOT_IN_PROGRESS, 'no deploy is in progress');
  if (run.mailbox === undefined) {
    throw new BreakwaterError(
      errors.DEPLOY_NOT_IN_ROLLOUT,
      run.strategy === 'canary' && !run.emergency
        ? `deploy #${run.id} is not in its canary steps yet (phase ${run.phase})`
        : `deploy #${run.id} is a ${run.emergency ? 'emergency' : run.strategy} deploy, not a canary`,
    );
  }
  return run as RunningDeploy & { mailbox: RolloutMailbox };
}

/**
 * After a router restart: starts the canary's green again and waits for its health gate and
 * for the router to route to blue again (restore starts blue in the background), within the
 * deploy timeout. Resolves with green's instance, or the reason it cannot go on.
 */
export async function relaunchGreen(
  ctx: { config: ResolvedConfig; router: Router; runner: ReleaseRunner },
  release: Release,
  signal: AbortSignal,
): Promise<{ instance: Instance | undefined } | { reason: string }> {
  const instance = await ctx.runner.launch(release, false);
  const deadline = Date.now() + ctx.config.deploy.timeoutMs;
  const reason = await waitInstanceHealthy(
    ctx.config,
    release.url as string,
    instance,
    deadline,
    signal,
  );
  if (reason !== undefined) return { reason };
  while (ctx.router.table.routes.length === 0) {
    if (signal.aborted) return { reason: 'aborted' };
    if (Date.now() > deadline) return { reason: 'blue is not serving' };
    await new Promise((resolve) => setTimeout(resolve, ctx.config.deploy.healthIntervalMs));
  }
  return { instance };
}
