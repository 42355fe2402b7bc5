import type { CounterState } from './algorithm.js';
import type { ConsumedQuota } from './consumption.js';
import { ALGORITHM, type Quota } from './definition.js';
import type { DailyUsage, DecideIncrease, IncreaseRequest, NewIncreaseRequest } from './records.js';

/** One quota a request touches, with everything the store needs to decide it. */
export interface QuotaItem {
  quota: Quota;
  /** The organization: whose overrides apply and whose daily history records it. */
  organization: string;
  /** The key usage is counted under (the organization, `org/user`, or the app's key). */
  subject: string;
  /** Units to consume (> 0), or the gauge's new value when `set`. */
  weight: number;
  /** `add` consumes `weight`; `set` makes a gauge's value `weight`. */
  mode: 'add' | 'set';
  /** Calendar windows: the window containing now; else `{start: 0, end: 0}`. */
  windowStart: number;
  windowEnd: number;
  /** The local day (`YYYY-MM-DD`, in the quota's zone) the daily history records it under. */
  day: string;
  /**
   * Set by the item builder when the item is counted under its organization's own name
   * (`subject` is `organization`): the object windowStart, windowEnd and day were read from,
   * the same for every item of the quota until its window or day moves. Two items with the
   * same `ownWindow` and the same subject have the same organization and day, so a store can
   * compare it instead of those strings.
   */
  ownWindow?: object | undefined;
  /** Concurrency only: the lease this acquisition takes, and when it expires (epoch ms). */
  leaseId?: string;
  leaseExpiresAt?: number;
  /**
   * The limit in force when the caller knows it (its override cache); undefined: the store
   * reads the organization's override inside the step.
   */
  limit?: number | undefined;
}

/** What the store found and did for one item. */
export interface ItemOutcome {
  /** The limit in force: the organization's override, else the quota's. */
  limit: number;
  /** Rolled state after the step (unchanged when the request was refused). */
  state: CounterState;
  /** Usage before this request (for warning thresholds). */
  before: number;
  /** True when this item had room (soft items always do). */
  fits: boolean;
}

export interface ConsumeOutcome {
  /** True when every hard item had room and all were consumed; false: nothing changed. */
  admitted: boolean;
  items: ItemOutcome[];
}

/** What a refund needs to give back one item's consumption. */
export interface RefundItem {
  quota: Quota;
  organization: string;
  subject: string;
  weight: number;
  /** The limit in force when consumed (drains a token bucket at the same rate). */
  limit: number;
  /** `state.start` right after the consumption (calendar window or sliding bucket). */
  start: number;
  day: string;
  leaseId?: string;
}

/** What to add to one daily history row (`used` is negative for a refund; never below 0). */
export interface HistoryDelta {
  organization: string;
  /** `YYYY-MM-DD` in the quota's zone. */
  day: string;
  quota: string;
  used: number;
  refused: number;
  overage: number;
}

/** A read of one item's usage, without consuming. */
export interface PeekItem {
  quota: Quota;
  organization: string;
  subject: string;
  windowStart: number;
}

/**
 * The quota capability's store seam. Times are epoch ms from the caller's clock. `consume`
 * is one atomic step over all items: the store reads each item's state (and its override
 * unless the item carries its limit), rolls it to `now`, and writes every item only when
 * every hard item fits.
 *
 * Daily history: a store with `addHistory` leaves it out of `consume` and `refund`; the
 * caller (createQuotas) adds the rows up in memory and hands them over in batches. A store
 * without it (memory) records history inside `consume` and `refund` itself.
 */
export interface QuotaStore {
  readonly kind: 'memory' | 'sqlite' | 'postgres' | 'redis';
  consume(items: QuotaItem[], now: number, signal?: AbortSignal): Promise<ConsumeOutcome>;
  /** The same step done synchronously, for stores that can (memory): no await on the hot path. */
  consumeNow?(items: QuotaItem[], now: number): ConsumeOutcome;
  /**
   * `consumeNow` for one item (admitted = `fits`), answered as the caller sees it: the hot
   * path of a single-quota check, with no arrays and no outcome in between.
   */
  consumeOneNow?(item: QuotaItem, now: number): ConsumedQuota;
  /** Gives back consumed units (a window that rolled since is left alone), releases leases. */
  refund(items: RefundItem[], now: number, signal?: AbortSignal): Promise<void>;
  /** Current states and limits, rolled to `now`, without writing. */
  peek(items: PeekItem[], now: number, signal?: AbortSignal): Promise<ItemOutcome[]>;
  /** Organization overrides: quota name -> limit. */
  overrides(organization: string): Promise<Record<string, number>>;
  setOverride(organization: string, quota: string, limit: number | undefined): Promise<void>;
  createRequest(request: NewIncreaseRequest): Promise<IncreaseRequest>;
  getRequest(id: string): Promise<IncreaseRequest | undefined>;
  listRequests(filter: {
    status?: IncreaseRequest['status'];
    organization?: string;
    limit?: number;
  }): Promise<IncreaseRequest[]>;
  /**
   * Approves or rejects a pending request; an approval applies its override in the same
   * step. Undefined when no such request; the request unchanged when it was already decided.
   */
  decideRequest(decision: DecideIncrease): Promise<IncreaseRequest | undefined>;
  /** Adds batched daily history rows, in one step per call; `used` never goes below 0. */
  addHistory?(rows: HistoryDelta[], signal?: AbortSignal): Promise<void>;
  /** Daily usage of an organization, days `from`..`to` inclusive (`YYYY-MM-DD`). */
  history(organization: string, from: string, to: string): Promise<DailyUsage[]>;
  close?(): Promise<void>;
}

/** How long a state key must outlive its last write (Redis TTL; 0: forever). */
export function stateTtlMs(item: QuotaItem, now: number, limit: number): number {
  const quota = item.quota;
  switch (quota.code) {
    case ALGORITHM.calendar:
      return Math.max(1_000, item.windowEnd - now + 60_000);
    case ALGORITHM.sliding:
      return 2 * quota.windowMs + 60_000;
    case ALGORITHM.tokenBucket:
      return limit > 0
        ? Math.ceil(((quota.burst ?? limit) * quota.windowMs) / limit) + 60_000
        : quota.windowMs;
    case ALGORITHM.concurrency:
      return quota.leaseMs * 2;
    default:
      return 0;
  }
}
