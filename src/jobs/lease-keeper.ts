import type { Held, HeldJobs } from './held.js';
import { abortReasons } from './problems.js';
import type { JobStore } from './store.js';

export interface LeaseKeeperDeps {
  store: JobStore;
  held: HeldJobs;
  workerId: string;
  leaseMs: number;
  now: () => number;
  onError: (error: unknown, during: string) => void;
}

/**
 * Stops work on a hold the worker no longer has (its lease lapsed and was retaken, or the
 * job was cancelled): an unstarted job is dropped, a running handler's signal is aborted
 * with the reason. Whatever it writes afterwards is fenced out.
 */
export async function loseHold(deps: LeaseKeeperDeps, entry: Held): Promise<void> {
  if (entry.phase === 'buffered') {
    deps.held.drop(entry);
    return;
  }
  if (entry.phase !== 'running') return;
  const current = await deps.store.get(entry.job.id).catch(() => undefined);
  entry.attempt?.abort(
    current?.state === 'cancelled' ? abortReasons.cancelled() : abortReasons.leaseLost(),
  );
}

/**
 * One heartbeat: extends the leases of every job this worker holds, and gives up the ones
 * the store says it no longer has. When the store cannot be reached, jobs whose lease has
 * surely lapsed by the local clock are given up too, so a partitioned worker stops working
 * on jobs another worker may already be running.
 */
export async function heartbeat(deps: LeaseKeeperDeps): Promise<void> {
  const snapshot = [...deps.held.byId.values()].filter((entry) => entry.phase !== 'finishing');
  if (snapshot.length === 0) return;
  const at = deps.now();
  try {
    const holds = await deps.store.heartbeat(deps.workerId, at, deps.leaseMs);
    const alive = new Set(holds.map((h) => `${h.id}:${h.token}`));
    for (const entry of snapshot) {
      if (alive.has(`${entry.hold.id}:${entry.hold.token}`)) entry.leaseUntil = at + deps.leaseMs;
      else if (deps.held.byId.get(entry.job.id) === entry) void loseHold(deps, entry);
    }
  } catch (error) {
    deps.onError(error, 'heartbeat');
    for (const entry of snapshot) if (entry.leaseUntil <= deps.now()) void loseHold(deps, entry);
  }
}
