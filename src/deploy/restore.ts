import type { ResolvedConfig } from '../config/resolve.js';
import type { Router } from '../router/router.js';
import { EMPTY_TABLE, singleRoute } from '../router/routing.js';
import { waitInstanceHealthy } from './deploy-run.js';
import type { Instance } from './instance.js';
import type { Phase } from './phases.js';
import { DEFAULT_STRATEGY } from './plan.js';
import type { ReleaseRunner } from './runner.js';
import {
  canRollBack,
  EMPTY_STATE,
  type Release,
  type RolloutState,
  type RouterState,
} from './state.js';
import type { DeployStore } from './store.js';

/** What restoring needs from the controller. */
export interface RestoreContext {
  config: ResolvedConfig;
  deployStore: DeployStore;
  router: Router;
  runner: ReleaseRunner;
  clock: () => Date;
  log: (line: string) => void;
  getState: () => RouterState;
  setState: (state: RouterState) => void;
  stopping: () => boolean;
}

export const FIRST_START_ACTOR = 'breakwater up';

/** A canary that was in its steps when the router stopped: the controller resumes it. */
export interface Resumable {
  release: Release;
  rollout: RolloutState;
}

/**
 * Brings the router back to its saved state: processes a killed router left behind are
 * stopped, a deploy that was under way is recorded as aborted (unless it was a canary in its
 * steps: returned, for the controller to resume), and the active (and a
 * standby still inside its window) start again from their recorded commands. With no saved
 * state, the configured app is started and recorded in the history as `start`.
 */
export async function restore(ctx: RestoreContext): Promise<Resumable | undefined> {
  const saved = await ctx.deployStore.loadState();
  const now = ctx.clock();
  for (const release of [saved?.active, saved?.standby, saved?.deploying]) {
    if (release) await ctx.runner.stopLeftover(release);
  }
  const resumable =
    saved?.deploying && saved.rollout && saved.active
      ? { release: saved.deploying, rollout: saved.rollout }
      : undefined;
  if (saved?.deploying && resumable === undefined) {
    await ctx.deployStore.record(
      saved.deploying.deployId,
      {
        phase: 'aborted',
        at: now.toISOString(),
        detail: { reason: 'the router restarted during the deploy' },
      },
      { ...saved, deploying: null },
    );
    ctx.log(
      `deploy #${saved.deploying.deployId} (${saved.deploying.label}) was under way when the router stopped: aborted`,
    );
  }
  if (saved?.active) {
    const keepStandby = canRollBack(saved, now);
    ctx.setState({
      ...saved,
      deploying: resumable?.release ?? null,
      rollout: resumable?.rollout ?? null,
      ...(keepStandby ? {} : { standby: null, standbyUntil: null }),
    });
    const state = ctx.getState();
    await activate(ctx, state.active as Release, undefined);
    if (state.standby) await ctx.runner.launch(state.standby, true);
    await ctx.deployStore.saveState(ctx.getState(), now);
    return resumable;
  }
  const { app } = ctx.config;
  const command = app.command ?? null;
  const id = await ctx.deployStore.begin(
    {
      kind: 'start',
      label: app.label,
      command,
      strategy: DEFAULT_STRATEGY,
      actor: FIRST_START_ACTOR,
      at: now,
    },
    { note: 'first start of the configured app' },
  );
  const release: Release = {
    id: `r${id}`,
    deployId: id,
    label: app.label,
    color: 'blue',
    command,
    url: app.url ?? null,
    pid: null,
    instance: null,
  };
  ctx.setState({ ...EMPTY_STATE, active: release });
  await activate(ctx, release, id);
  return undefined;
}

/** Launches the active release and routes to it once its health first passes. */
async function activate(
  ctx: RestoreContext,
  release: Release,
  startDeployId: number | undefined,
): Promise<void> {
  const record = (phase: Phase, detail: Record<string, unknown> = {}) =>
    startDeployId === undefined
      ? Promise.resolve()
      : ctx.deployStore.record(
          startDeployId,
          { phase, at: ctx.clock().toISOString(), detail },
          ctx.getState(),
        );
  await record('starting');
  const instance = await ctx.runner.launch(release, true);
  await record('health', { url: release.url });
  const route = async () => {
    if (ctx.getState().active?.id !== release.id || ctx.router.table !== EMPTY_TABLE) return;
    ctx.router.setTable(singleRoute(release.id));
    ctx.log(`routing to ${release.color} ${release.label} at ${release.url}`);
    await record('switching');
    await record('promoted');
  };
  if (instance === undefined) return route();
  void untilHealthy(ctx, instance)
    .then((ok) => (ok ? route() : undefined))
    .catch((error) => ctx.log(`cannot route: ${(error as Error).message}`));
}

/** Probes until healthy, however long it takes (the supervisor restarts a crashing app). */
async function untilHealthy(ctx: RestoreContext, instance: Instance): Promise<boolean> {
  const { deploy } = ctx.config;
  while (!ctx.stopping()) {
    // no exit watch: the supervisor restarts a crashing app, so keep probing
    const reason = await waitInstanceHealthy(
      ctx.config,
      instance.url,
      undefined,
      Date.now() + deploy.timeoutMs,
      AbortSignal.timeout(deploy.timeoutMs + deploy.healthTimeoutMs),
    );
    if (reason === undefined) return true;
    ctx.log(`${instance.url} not healthy yet (${reason}); still trying`);
  }
  return false;
}
