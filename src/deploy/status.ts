import type { Router } from '../router/router.js';
import type { LiveProgress } from './progress.js';
import { liveProgress, type RunningDeploy } from './progress.js';
import type { ReleaseRunner } from './runner.js';
import type { Release, RouterState } from './state.js';

/** A release as `status` shows it. */
export interface ReleaseView {
  label: string;
  color: string;
  deployId: number;
  url: string | null;
  command: Release['command'];
  pid: number | null;
  /** Whether its process runs (always true for an external app). */
  running: boolean;
  restarts: number;
  inFlight: number;
}

export interface StatusView {
  service: string;
  active: ReleaseView | null;
  standby: (ReleaseView & { until: string | null }) | null;
  deploying: (ReleaseView & { id: number; progress: LiveProgress }) | null;
  /** Whether the router has a route for new requests. */
  routing: boolean;
}

function view(release: Release, runner: ReleaseRunner, router: Router): ReleaseView {
  const instance = runner.instance(release.id);
  return {
    label: release.label,
    color: release.color,
    deployId: release.deployId,
    url: release.url,
    command: release.command,
    pid: instance?.pid ?? null,
    running: release.command === null ? true : instance?.running === true,
    restarts: instance?.restarts ?? 0,
    inFlight: router.upstream(release.id)?.inFlight ?? 0,
  };
}

/** The status document of the admin API and `breakwater status --json`. */
export function describeStatus(
  service: string,
  state: RouterState,
  current: RunningDeploy | undefined,
  runner: ReleaseRunner,
  router: Router,
  now: number,
): StatusView {
  return {
    service,
    active: state.active ? view(state.active, runner, router) : null,
    standby: state.standby
      ? { ...view(state.standby, runner, router), until: state.standbyUntil }
      : null,
    deploying: current
      ? {
          ...view(current.release, runner, router),
          id: current.id,
          progress: liveProgress(current, now),
        }
      : null,
    routing: router.table.routes.length > 0,
  };
}
