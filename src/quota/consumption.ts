import { type CounterState, remainingFrom, retryAt } from './algorithm.js';
import { ALGORITHM, type Quota } from './definition.js';
import type { ConsumeOutcome, ItemOutcome, QuotaItem } from './store.js';
import { type QuotaUsage, usageFrom, warningOf } from './usage.js';

/** One quota of a consumption: its usage after the step and what a refund needs. */
export interface ConsumedQuota extends QuotaUsage {
  definition: Quota;
  organization: string;
  subject: string;
  weight: number;
  /** False when this quota refused (hard) the request. */
  fits: boolean;
  /** Refused: epoch ms when the request would fit (undefined: never, or unknown). */
  retryAt: number | undefined;
  /** Calendar window end (0 for other kinds). */
  windowEnd: number;
  /** State start right after the step (what a refund compares with). */
  start: number;
  day: string;
  leaseId?: string | undefined;
}

/** The answer to one consume step. */
export interface Consumption {
  /** True when every hard quota had room and all were consumed; false: none were. */
  readonly admitted: boolean;
  /** Names of the quotas that refused (empty when admitted). */
  readonly violated: readonly string[];
  readonly items: ConsumedQuota[];
  /** `store`, or `fallback` when the store failed and the quotas fail open. */
  readonly source: 'store' | 'fallback';
  /** Epoch ms of the step. */
  readonly at: number;
}

/** The `violated` list of an admitted consumption (frozen: one list for every step). */
export const NONE: readonly string[] = Object.freeze([]);

/**
 * What callers see of one quota: one plain object (its fields can be spread and printed),
 * built from the item and the store's answer.
 */
export function consumedQuota(item: QuotaItem, result: ItemOutcome, at: number): ConsumedQuota {
  const { quota, windowEnd } = item;
  const { state, limit, fits } = result;
  if (quota.code === ALGORITHM.calendar) return calendarConsumed(item, limit, state, fits);
  const usage = usageFrom(quota, state, limit, at, windowEnd);
  return {
    quota: usage.quota,
    limit: usage.limit,
    used: usage.used,
    remaining: usage.remaining,
    resetAt: usage.resetAt,
    overage: usage.overage,
    warning: usage.warning,
    definition: quota,
    organization: item.organization,
    subject: item.subject,
    weight: item.weight,
    fits,
    retryAt: fits ? undefined : retryAt(quota, state, limit, item.weight, at, windowEnd),
    windowEnd,
    start: state.start,
    day: item.day,
    leaseId: item.leaseId,
  };
}

/**
 * `consumedQuota` for a calendar window (the common check), `usageFrom` and `retryAt`
 * written out for that one case: usage is the window's count against the limit, and both
 * the reset and the retry are the window's end.
 */
export function calendarConsumed(
  item: QuotaItem,
  limit: number,
  state: CounterState,
  fits: boolean,
): ConsumedQuota {
  const { quota, windowEnd } = item;
  const used = state.used;
  return {
    quota: quota.name,
    limit,
    used,
    remaining: remainingFrom(limit, used),
    resetAt: windowEnd,
    overage: Math.max(0, used - limit),
    warning: warningOf(quota, used, limit),
    definition: quota,
    organization: item.organization,
    subject: item.subject,
    weight: item.weight,
    fits,
    retryAt: fits ? undefined : windowEnd,
    windowEnd,
    start: state.start,
    day: item.day,
    leaseId: item.leaseId,
  };
}

/** The consumption callers see of a step. */
export function toConsumption(
  items: QuotaItem[],
  outcome: ConsumeOutcome,
  at: number,
  source: Consumption['source'],
): Consumption {
  const consumed: ConsumedQuota[] = new Array(items.length);
  const violated: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as QuotaItem;
    const result = outcome.items[i] as ItemOutcome | undefined;
    if (result === undefined) throw new Error('quota store answered too few items');
    consumed[i] = consumedQuota(item, result, at);
    if (!result.fits) violated.push(item.quota.name);
  }
  return {
    admitted: outcome.admitted,
    violated: violated.length === 0 ? NONE : violated,
    items: consumed,
    source,
    at,
  };
}
