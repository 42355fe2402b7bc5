import type { CircuitBreaker } from './breaker.js';
import type { BreakerState, BreakerStats, TransitionReason } from './breaker-events.js';

/** A breaker as the admin API and the CLI show it. */
export interface BreakerStatus {
  name: string;
  state: BreakerState;
  reason: TransitionReason;
  /** ISO 8601: when it entered the state. */
  since: string;
  /** Until the next probe may pass, when OPEN. */
  retryAfterMs?: number;
  stats: BreakerStats;
}

export function breakerStatus(breaker: CircuitBreaker<unknown>): BreakerStatus {
  const status: BreakerStatus = {
    name: breaker.name,
    state: breaker.state,
    reason: breaker.reason,
    since: new Date(breaker.since).toISOString(),
    stats: { ...breaker.stats },
  };
  const retryAfterMs = breaker.retryAfterMs();
  if (retryAfterMs !== undefined) status.retryAfterMs = retryAfterMs;
  return status;
}
