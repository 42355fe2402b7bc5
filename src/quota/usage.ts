import { type CounterState, capacityOf, remainingFrom, resetAt, usageOf } from './algorithm.js';
import type { Quota } from './definition.js';

/** One quota's usage for one key, as reports and headers show it. */
export interface QuotaUsage {
  /** The quota's name (the policy name in RateLimit headers). */
  quota: string;
  /** The limit in force (an organization override, or the quota's). */
  limit: number;
  /** Usage counted now: units in the window, the bucket level, the gauge, leases held. */
  used: number;
  /** Whole units still available. */
  remaining: number;
  /** Epoch ms when the counted usage is fully given back; undefined for gauges, concurrency. */
  resetAt: number | undefined;
  /** Usage beyond the limit (soft quotas). */
  overage: number;
  /** Usage at or past the warning threshold. */
  warning: boolean;
}

/** True at or past the quota's warning threshold (any use of a zero capacity). */
export const warningOf = (quota: Quota, used: number, capacity: number): boolean =>
  capacity > 0 ? used >= quota.warnAt * capacity : used > 0;

/** Usage numbers from a rolled state. */
export function usageFrom(
  quota: Quota,
  state: CounterState,
  limit: number,
  now: number,
  windowEnd: number,
): QuotaUsage {
  const used = usageOf(quota, state, now);
  const capacity = capacityOf(quota, limit);
  return {
    quota: quota.name,
    limit,
    used,
    remaining: remainingFrom(capacity, used),
    resetAt: resetAt(quota, state, limit, now, windowEnd),
    overage: Math.max(0, used - capacity),
    warning: warningOf(quota, used, capacity),
  };
}
