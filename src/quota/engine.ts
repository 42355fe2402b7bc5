import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { retryAt } from './algorithm.js';
import { withDeadline } from './deadline.js';
import type { Quota } from './definition.js';
import type { Listeners } from './events.js';
import { memoryQuotaStore } from './memory.js';
import type { ConsumeOutcome, QuotaItem, QuotaStore, RefundItem } from './store.js';
import { type QuotaUsage, usageFrom } from './usage.js';

export const DEFAULT_STORE_TIMEOUT_MS = 2_000;
export const DEFAULT_STORE_RETRY_MS = 1_000;
export const DEFAULT_FALLBACK_MAX_KEYS = 10_000;

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
  /** Names of the quotas that refused. */
  readonly violated: string[];
  readonly items: ConsumedQuota[];
  /** `store`, or `fallback` when the store failed and the quotas fail open. */
  readonly source: 'store' | 'fallback';
  /** Epoch ms of the step. */
  readonly at: number;
}

export interface EngineOptions {
  store: QuotaStore;
  now: () => number;
  listeners: Listeners;
  storeTimeoutMs: number;
  storeRetryMs: number;
  fallbackMaxKeys: number;
}

function unavailable(cause: unknown): BreakwaterError {
  return new BreakwaterError(errors.QUOTA_STORE_UNAVAILABLE, 'the quota store did not answer', {
    cause,
    headers: { 'retry-after': '1' },
  });
}

/**
 * The consume/refund path: the store first; when it fails, quotas that fail open decide
 * from a bounded in-memory fallback and the others answer 503. After a failure the store
 * is skipped for `storeRetryMs`, then tried again, so service recovers without a restart.
 */
export function createEngine(options: EngineOptions) {
  const { store, now, listeners } = options;
  const fallback = memoryQuotaStore({ maxKeys: options.fallbackMaxKeys, history: false });
  let downUntil = 0;
  let down = false;
  // memory never hangs: no deadline to keep
  const deadline = <T>(step: Promise<T>): Promise<T> =>
    store.kind === 'memory' ? step : withDeadline(step, options.storeTimeoutMs);

  function failed(error: unknown, failOpen: boolean): void {
    downUntil = now() + options.storeRetryMs;
    down = true;
    listeners.emit({
      type: 'store-unavailable',
      error: error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error),
      failOpen,
      at: now(),
    });
  }

  function recovered(): void {
    if (!down) return;
    down = false;
    listeners.emit({ type: 'store-recovered', at: now() });
  }

  /** Runs a store step, or the fallback when the store is down and every quota fails open. */
  async function run<T>(
    quotas: Quota[],
    onStore: (s: QuotaStore) => Promise<T>,
  ): Promise<{ value: T; source: 'store' | 'fallback' }> {
    const failOpen = quotas.every((q) => q.onStoreFailure === 'open');
    if (now() >= downUntil) {
      try {
        const value = await deadline(onStore(store));
        recovered();
        return { value, source: 'store' };
      } catch (error) {
        if (error instanceof BreakwaterError) throw error;
        failed(error, failOpen);
        if (!failOpen) throw unavailable(error);
      }
    } else if (!failOpen) {
      throw unavailable(undefined);
    }
    return { value: await onStore(fallback), source: 'fallback' };
  }

  function consume(items: QuotaItem[], signal?: AbortSignal): Promise<Consumption> {
    const at = now();
    if (store.consumeNow !== undefined) {
      // an in-process store cannot fail or hang: decide synchronously
      const consumption = toConsumption(items, store.consumeNow(items, at), at, 'store');
      report(consumption);
      return Promise.resolve(consumption);
    }
    return consumeAsync(items, at, signal);
  }

  async function consumeAsync(
    items: QuotaItem[],
    at: number,
    signal?: AbortSignal,
  ): Promise<Consumption> {
    const { value, source } = await run(
      items.map((i) => i.quota),
      (s) => s.consume(items, at, signal),
    );
    const consumption = toConsumption(items, value, at, source);
    report(consumption);
    return consumption;
  }

  function report(consumption: Consumption): void {
    if (listeners.size === 0) return;
    for (const item of consumption.items) {
      const base = {
        organization: item.organization,
        subject: item.subject,
        quota: item.quota,
        used: item.used,
        limit: item.limit,
        at: consumption.at,
      };
      if (!item.fits) listeners.emit({ type: 'exceeded', weight: item.weight, ...base });
      if (!consumption.admitted) continue;
      const threshold = item.definition.warnAt * item.limit;
      if (item.used >= threshold && item.used - item.weight < threshold) {
        listeners.emit({ type: 'warning', threshold: item.definition.warnAt, ...base });
      }
      if (item.overage > 0) listeners.emit({ type: 'overage', overage: item.overage, ...base });
    }
  }

  async function refund(consumption: Consumption, items: ConsumedQuota[]): Promise<void> {
    if (!consumption.admitted || items.length === 0) return;
    const refunds: RefundItem[] = items.map((item) => ({
      quota: item.definition,
      organization: item.organization,
      subject: item.subject,
      weight: item.weight,
      limit: item.limit,
      start: item.start,
      day: item.day,
      leaseId: item.leaseId,
    }));
    const at = now();
    if (consumption.source === 'fallback') return fallback.refund(refunds, at);
    try {
      await deadline(store.refund(refunds, at));
    } catch (error) {
      throw unavailable(error);
    }
  }

  return { consume, refund, run, fallback };
}

export type Engine = ReturnType<typeof createEngine>;

function toConsumption(
  items: QuotaItem[],
  outcome: ConsumeOutcome,
  at: number,
  source: 'store' | 'fallback',
): Consumption {
  const consumed = items.map((item, i): ConsumedQuota => {
    const result = outcome.items[i];
    if (result === undefined) throw new Error('quota store answered too few items');
    const { quota } = item;
    const usage = usageFrom(quota, result.state, result.limit, at, item.windowEnd);
    // built field by field: a spread of the usage makes a slow dictionary-mode object
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
      fits: result.fits,
      retryAt: result.fits
        ? undefined
        : retryAt(quota, result.state, result.limit, item.weight, at, item.windowEnd),
      windowEnd: item.windowEnd,
      start: result.state.start,
      day: item.day,
      leaseId: item.leaseId,
    };
  });
  return {
    admitted: outcome.admitted,
    violated: consumed.filter((c) => !c.fits).map((c) => c.quota),
    items: consumed,
    source,
    at,
  };
}
