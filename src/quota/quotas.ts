import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { Store } from '../store/types.js';
import { RECOGNITION_QUOTAS } from './defaults.js';
import { type Quota, type QuotaDefinition, resolveQuotas } from './definition.js';
import {
  type Consumption,
  createEngine,
  DEFAULT_FALLBACK_MAX_KEYS,
  DEFAULT_STORE_RETRY_MS,
  DEFAULT_STORE_TIMEOUT_MS,
} from './engine.js';
import { Listeners, type QuotaListener } from './events.js';
import { DEFAULT_HISTORY_FLUSH_MS, DEFAULT_HISTORY_MAX_ROWS } from './history-buffer.js';
import { increaseRequests } from './increase.js';
import { invalid, itemBuilder, type QuotaSubject, quotaNamed } from './items.js';
import { isQuotaStore, quotaStore } from './open.js';
import { DEFAULT_OVERRIDE_CACHE_KEYS, DEFAULT_OVERRIDE_CACHE_MS } from './override-cache.js';
import { usageReports } from './report.js';
import type { QuotaStore } from './store.js';

export interface QuotasOptions {
  /** An opened Breakwater store, a quota store, or `memory` (one process). */
  store: Store | QuotaStore | 'memory';
  /** The quotas; default RECOGNITION_QUOTAS. */
  definitions?: readonly QuotaDefinition[];
  /** Epoch ms; default Date.now. Windows, leases and history all come from here. */
  now?: () => number;
  /** Called with every event (also: `quotas.on(listener)`). */
  onEvent?: QuotaListener;
  /** Longest wait for the store before it counts as failed; default 2,000 ms. */
  storeTimeoutMs?: number;
  /** After a store failure, how long to use the fallback before trying it again; default 1 s. */
  storeRetryMs?: number;
  /** Keys per quota the fail-open fallback keeps (least recently used dropped first); default 10,000. */
  fallbackMaxKeys?: number;
  /**
   * Shared stores: how long (ms) a limit read from the store is used without reading it
   * again; default 5,000. A change through this `quotas` (setOverride, approve) applies at
   * once; one made by another process is seen at most this much later. 0: read every step.
   */
  overrideCacheMs?: number;
  /** Organizations whose limits are cached (least recently used dropped first); default 10,000. */
  overrideCacheKeys?: number;
  /**
   * Shared stores: how often (ms) the daily history counted in this process is written;
   * default 1,000. A crash of the process loses at most this much history (never counts).
   */
  historyFlushMs?: number;
  /** History rows held while the store does not take them; default 100,000. */
  historyMaxRows?: number;
}

/** A step that consumes quotas: the subject and the weight of each quota. */
export interface ConsumeRequest extends QuotaSubject {
  /** Quota name -> units, or names (one unit each). */
  quotas: Record<string, number> | readonly string[];
}

function positiveInt(name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    const what = min === 0 ? 'an integer >= 0' : 'a positive integer';
    throw new BreakwaterError(errors.CONFIG_INVALID, `quotas: ${name} must be ${what}`);
  }
  return value;
}

/**
 * Per-organization quotas and rate limits over one store: consume several quotas in one
 * atomic step, refund, gauges, concurrency leases, overrides, increase requests and usage.
 */
export function createQuotas(options: QuotasOptions) {
  const definitions: ReadonlyMap<string, Quota> = resolveQuotas(
    options.definitions ?? RECOGNITION_QUOTAS,
  );
  const store = isQuotaStore(options.store) ? options.store : quotaStore(options.store);
  const now = options.now ?? Date.now;
  const listeners = new Listeners();
  if (options.onEvent) listeners.add(options.onEvent);
  const engine = createEngine({
    store,
    now,
    listeners,
    storeTimeoutMs: positiveInt(
      'storeTimeoutMs',
      options.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS,
    ),
    storeRetryMs: positiveInt('storeRetryMs', options.storeRetryMs ?? DEFAULT_STORE_RETRY_MS),
    fallbackMaxKeys: positiveInt(
      'fallbackMaxKeys',
      options.fallbackMaxKeys ?? DEFAULT_FALLBACK_MAX_KEYS,
    ),
    overrideCacheMs: positiveInt(
      'overrideCacheMs',
      options.overrideCacheMs ?? DEFAULT_OVERRIDE_CACHE_MS,
      0,
    ),
    overrideCacheKeys: positiveInt(
      'overrideCacheKeys',
      options.overrideCacheKeys ?? DEFAULT_OVERRIDE_CACHE_KEYS,
    ),
    historyFlushMs: positiveInt(
      'historyFlushMs',
      options.historyFlushMs ?? DEFAULT_HISTORY_FLUSH_MS,
    ),
    historyMaxRows: positiveInt(
      'historyMaxRows',
      options.historyMaxRows ?? DEFAULT_HISTORY_MAX_ROWS,
    ),
  });
  const { items: buildItems, single } = itemBuilder(definitions);
  const given = new WeakMap<Consumption, Set<string>>();

  /** Gives back the items of `consumption` that `pick` selects, each at most once. */
  async function giveBack(consumption: Consumption, pick: (kind: Quota['kind']) => boolean) {
    const done = given.get(consumption) ?? new Set<string>();
    given.set(consumption, done);
    const items = consumption.items.filter((i) => pick(i.definition.kind) && !done.has(i.quota));
    for (const item of items) done.add(item.quota);
    await engine.refund(consumption, items);
  }

  function gauge(name: string): Quota {
    const quota = quotaNamed(definitions, name);
    if (quota.kind !== 'gauge') throw invalid(`quota "${name}" is not a gauge`);
    return quota;
  }

  return {
    definitions,
    store,
    /**
     * Checks every named quota and, only when all hard ones have room, consumes them all in
     * one atomic step. Never throws for a refusal: see `admitted` and `violated`. Throws
     * BW_QUOTA_STORE_UNAVAILABLE when the store failed and a quota fails closed.
     */
    consume: (request: ConsumeRequest, signal?: AbortSignal): Promise<Consumption> => {
      try {
        const at = now();
        const one = single(request, request.quotas, at);
        if (one !== undefined) return engine.consumeOne(one, at, signal);
        return engine.consume(buildItems(request, request.quotas, at), at, signal);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    /** Returns what a consumption took (counters and leases); a second call does nothing. */
    refund: (consumption: Consumption): Promise<void> => giveBack(consumption, () => true),
    /** Releases the concurrency slots of a consumption (counters stay consumed). */
    release: (consumption: Consumption): Promise<void> =>
      giveBack(consumption, (kind) => kind === 'concurrency'),
    /** Takes one slot of a concurrency quota, held until `release` or the lease expiry. */
    acquire: async (subject: QuotaSubject, quota: string, signal?: AbortSignal) => {
      if (quotaNamed(definitions, quota).kind !== 'concurrency') {
        throw invalid(`quota "${quota}" is not a concurrency quota`);
      }
      const at = now();
      return engine.consume(buildItems(subject, [quota], at), at, signal);
    },
    /** Sets a gauge's value; admitted only within the limit (or when it does not grow). */
    setGauge: async (subject: QuotaSubject, quota: string, value: number, signal?: AbortSignal) => {
      gauge(quota);
      if (!(Number.isFinite(value) && value >= 0)) throw invalid('a gauge value must be >= 0');
      const at = now();
      return engine.consume(buildItems(subject, { [quota]: value }, at, 'set'), at, signal);
    },
    /** Changes a gauge by `delta`; a growth is admitted only when it stays within the limit. */
    adjustGauge: async (
      subject: QuotaSubject,
      quota: string,
      delta: number,
      signal?: AbortSignal,
    ) => {
      gauge(quota);
      if (!Number.isFinite(delta) || delta === 0) throw invalid('delta must be a non-zero number');
      const at = now();
      return engine.consume(buildItems(subject, { [quota]: delta }, at), at, signal);
    },
    /**
     * Sets (or with undefined removes) an organization's limit for one quota. Applies at once
     * to this process; other processes see it within their `overrideCacheMs`.
     */
    setOverride: async (organization: string, quota: string, limit: number | undefined) => {
      quotaNamed(definitions, quota);
      if (limit !== undefined && !(Number.isFinite(limit) && limit >= 0)) {
        throw invalid('limit must be a number >= 0');
      }
      try {
        await store.setOverride(organization, quota, limit);
      } finally {
        // a step that read the old limit before this point does not cache it (generation)
        engine.forgetLimits(organization);
      }
    },
    overrides: (organization: string) => store.overrides(organization),
    ...usageReports(store, engine, definitions, now),
    ...increaseRequests(store, definitions, listeners, now, engine.forgetLimits),
    /** Writes the daily history counted in this process now (reads do so by themselves). */
    flush: (signal?: AbortSignal): Promise<void> => engine.flush(signal),
    /**
     * Writes the buffered daily history and stops its timer: call it before closing the
     * store. The quotas still work afterwards (a later step starts the timer again).
     */
    close: (): Promise<void> => engine.close(),
    /** Adds an event listener; returns the function that removes it. */
    on: (listener: QuotaListener): (() => void) => listeners.add(listener),
  };
}

export type Quotas = ReturnType<typeof createQuotas>;
