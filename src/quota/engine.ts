import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { type ConsumedQuota, type Consumption, NONE, toConsumption } from './consumption.js';
import { Deadlines } from './deadline.js';
import type { Quota } from './definition.js';
import type { Listeners } from './events.js';
import { HistoryBuffer } from './history-buffer.js';
import { memoryQuotaStore } from './memory.js';
import { OverrideCache } from './override-cache.js';
import type { ConsumeOutcome, QuotaItem, QuotaStore, RefundItem } from './store.js';

export type { ConsumedQuota, Consumption } from './consumption.js';

export const DEFAULT_STORE_TIMEOUT_MS = 2_000;
export const DEFAULT_STORE_RETRY_MS = 1_000;
export const DEFAULT_FALLBACK_MAX_KEYS = 10_000;

export interface EngineOptions {
  store: QuotaStore;
  now: () => number;
  listeners: Listeners;
  storeTimeoutMs: number;
  storeRetryMs: number;
  fallbackMaxKeys: number;
  /** How long limits read from a shared store are trusted (0: read in every step). */
  overrideCacheMs: number;
  overrideCacheKeys: number;
  /** How often buffered daily history is written to a store that takes it in batches. */
  historyFlushMs: number;
  historyMaxRows: number;
}

function unavailable(cause: unknown): BreakwaterError {
  return new BreakwaterError(errors.QUOTA_STORE_UNAVAILABLE, 'the quota store did not answer', {
    cause,
    headers: { 'retry-after': '1' },
  });
}

const allFailOpen = (items: ReadonlyArray<{ quota: Quota }>): boolean =>
  items.every((item) => item.quota.onStoreFailure === 'open');

/**
 * The consume/refund path: the store first; when it fails, quotas that fail open decide
 * from a bounded in-memory fallback and the others answer 503. After a failure the store
 * is skipped for `storeRetryMs`, then tried again, so service recovers without a restart.
 * For a shared store it also keeps the limits per organization for a short while
 * (OverrideCache) and buffers the daily history (HistoryBuffer).
 */
export function createEngine(options: EngineOptions) {
  const { store, now, listeners } = options;
  const fallback = memoryQuotaStore({ maxKeys: options.fallbackMaxKeys, history: false });
  const limits = new OverrideCache(
    store.consumeNow === undefined ? options.overrideCacheMs : 0,
    options.overrideCacheKeys,
  );
  const history =
    store.addHistory === undefined
      ? undefined
      : new HistoryBuffer({
          store: store as QuotaStore & Required<Pick<QuotaStore, 'addHistory'>>,
          flushMs: options.historyFlushMs,
          maxRows: options.historyMaxRows,
          onLost: (rows, error) =>
            listeners.emit({ type: 'history-dropped', rows, error: messageOf(error), at: now() }),
        });
  let downUntil = 0;
  let down = false;
  const deadlines = new Deadlines(options.storeTimeoutMs);
  // memory never hangs: no deadline to keep
  const deadline = <T>(step: Promise<T>): Promise<T> =>
    store.kind === 'memory' ? step : deadlines.wrap(step);

  /** Records a store failure; throws 503 unless every quota of the step fails open. */
  function failed(error: unknown, quotas: ReadonlyArray<{ quota: Quota }>): void {
    if (error instanceof BreakwaterError) throw error;
    const failOpen = allFailOpen(quotas);
    downUntil = now() + options.storeRetryMs;
    down = true;
    listeners.emit({ type: 'store-unavailable', error: messageOf(error), failOpen, at: now() });
    if (!failOpen) throw unavailable(error);
  }

  function recovered(): void {
    if (!down) return;
    down = false;
    listeners.emit({ type: 'store-recovered', at: now() });
  }

  /** Runs a store step, or the fallback when the store is down and every quota fails open. */
  async function run<T>(
    quotas: ReadonlyArray<{ quota: Quota }>,
    onStore: (s: QuotaStore) => Promise<T>,
  ): Promise<{ value: T; source: 'store' | 'fallback' }> {
    if (now() >= downUntil) {
      try {
        const value = await deadline(onStore(store));
        recovered();
        return { value, source: 'store' };
      } catch (error) {
        failed(error, quotas);
      }
    } else if (!allFailOpen(quotas)) {
      throw unavailable(undefined);
    }
    return { value: await onStore(fallback), source: 'fallback' };
  }

  /** One consume step at `at` (the instant the items' windows were computed for). */
  function consume(items: QuotaItem[], at: number, signal?: AbortSignal): Promise<Consumption> {
    if (items.length === 1 && store.consumeOneNow !== undefined) {
      return consumeOne(items[0] as QuotaItem, at, signal);
    }
    if (store.consumeNow !== undefined) {
      // an in-process store cannot fail or hang: decide synchronously
      return Promise.resolve(finish(items, store.consumeNow(items, at), at, 'store'));
    }
    return consumeShared(items, at, signal);
  }

  /** A one-quota step: on an in-process store, the hot path of a check (no arrays in). */
  function consumeOne(item: QuotaItem, at: number, signal?: AbortSignal): Promise<Consumption> {
    if (store.consumeOneNow === undefined) return consume([item], at, signal);
    const answer = store.consumeOneNow(item, at);
    const consumption: Consumption = {
      admitted: answer.fits,
      violated: answer.fits ? NONE : [item.quota.name],
      items: [answer],
      source: 'store',
      at,
    };
    if (listeners.size > 0) report(consumption);
    return Promise.resolve(consumption);
  }

  /**
   * One step on a shared store: cached limits in, history buffered, the fallback (or 503)
   * when the store fails or does not answer within `storeTimeoutMs`. One promise per step:
   * the deadline watch settles it directly.
   */
  function consumeShared(
    items: QuotaItem[],
    at: number,
    signal?: AbortSignal,
  ): Promise<Consumption> {
    const generation = limits.generation;
    // the fallback too decides with the limits this process knows
    limits.fill(items, at);
    if (at < downUntil) {
      return new Promise((resolve) => {
        if (!allFailOpen(items)) throw unavailable(undefined);
        resolve(fromFallback(items, at));
      });
    }
    return new Promise((resolve, reject) => {
      // inline closures only: a named one would cost a name per step under tsx (bench)
      const deadline = deadlines.watch((error) => fail(items, at, error, resolve, reject));
      store.consume(items, at, signal).then(
        (outcome) => {
          if (!deadlines.settle(deadline)) return;
          recovered();
          limits.learn(items, outcome.items, at, generation);
          history?.consumed(items, outcome.items, outcome.admitted);
          resolve(finish(items, outcome, at, 'store'));
        },
        (error: unknown) => {
          if (deadlines.settle(deadline)) fail(items, at, error, resolve, reject);
        },
      );
    });
  }

  /** A failed or timed-out shared step: the fallback answers, or the refusal is thrown. */
  function fail(
    items: QuotaItem[],
    at: number,
    error: unknown,
    resolve: (consumption: Consumption) => void,
    reject: (error: unknown) => void,
  ): void {
    try {
      failed(error, items);
      resolve(fromFallback(items, at));
    } catch (refusal) {
      reject(refusal);
    }
  }

  function fromFallback(items: QuotaItem[], at: number): Consumption {
    return finish(items, fallback.consumeNow?.(items, at) as ConsumeOutcome, at, 'fallback');
  }

  function finish(
    items: QuotaItem[],
    outcome: ConsumeOutcome,
    at: number,
    source: Consumption['source'],
  ): Consumption {
    const consumption = toConsumption(items, outcome, at, source);
    if (listeners.size > 0) report(consumption);
    return consumption;
  }

  function report(consumption: Consumption): void {
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
    history?.refunded(refunds);
  }

  return {
    consume,
    consumeOne,
    refund,
    run,
    fallback,
    /** Forgets an organization's cached limits (its overrides changed through this process). */
    forgetLimits: (organization: string) => limits.forget(organization),
    /** Writes the buffered daily history now. */
    flush: (signal?: AbortSignal): Promise<void> => history?.flush(signal) ?? Promise.resolve(),
    /** Writes the buffered daily history and stops its timer. */
    close: async (): Promise<void> => {
      try {
        await history?.flush();
      } finally {
        history?.stop();
      }
    },
  };
}

export type Engine = ReturnType<typeof createEngine>;

function messageOf(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
}
