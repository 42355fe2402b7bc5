import type { BreakerState } from './breaker-events.js';
import type { ClusterView } from './store.js';

/** States that count as "open" for the cluster rule, when the instance's own calls caused them. */
const OPEN_STATES: ReadonlySet<BreakerState> = new Set(['OPEN', 'HALF_OPEN']);

/** How many live instances know a breaker, and how many of them report it open. */
export interface OpenShare {
  /** Live instances publishing the breaker, this one included. */
  live: number;
  open: number;
}

/**
 * Counts, among the other instances whose heartbeat is younger than `staleAfterMs`, those
 * that report `breaker` OPEN or HALF_OPEN from their own failures (cause `local`: a breaker
 * opened by this very rule does not count, so instances cannot hold each other open). This
 * instance counts as live and not open.
 */
export function openShare(
  view: ClusterView,
  breaker: string,
  self: string,
  now: number,
  staleAfterMs: number,
): OpenShare {
  const live = new Set(
    view.instances
      .filter((i) => i.instance !== self && i.heartbeatAt >= now - staleAfterMs)
      .map((i) => i.instance),
  );
  const share: OpenShare = { live: 1, open: 0 };
  for (const state of view.states) {
    if (state.breaker !== breaker || !live.has(state.instance)) continue;
    share.live++;
    if (state.cause === 'local' && OPEN_STATES.has(state.state)) share.open++;
  }
  return share;
}

/** True when at least `percent` % of at least `minInstances` live instances report open. */
export function quorumOpen(share: OpenShare, percent: number, minInstances: number): boolean {
  return share.live >= minInstances && share.open * 100 >= percent * share.live;
}
