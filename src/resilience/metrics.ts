import { Counter, Gauge, type Registry } from 'prom-client';
import type { CircuitBreaker } from './breaker.js';
import { BREAKER_STATES } from './breaker-events.js';
import { BulkheadPolicy } from './bulkhead.js';
import type { BreakerRegistry } from './registry.js';
import { RetryPolicy } from './retry.js';
import { TimeoutPolicy } from './timeout.js';

export const BREAKER_STATE_METRIC = 'breakwater_breaker_state';
export const BREAKER_CALLS_METRIC = 'breakwater_breaker_calls_total';
export const BREAKER_REJECTIONS_METRIC = 'breakwater_breaker_rejections_total';
export const RETRIES_METRIC = 'breakwater_retries_total';
export const TIMEOUTS_METRIC = 'breakwater_timeouts_total';
export const BULKHEAD_QUEUE_METRIC = 'breakwater_bulkhead_queue_length';
export const BULKHEAD_ACTIVE_METRIC = 'breakwater_bulkhead_active';
export const BULKHEAD_REJECTIONS_METRIC = 'breakwater_bulkhead_rejections_total';

/** A policy whose counters the metrics can read. */
export type TrackedPolicy = CircuitBreaker<unknown> | RetryPolicy | TimeoutPolicy | BulkheadPolicy;

export interface ResilienceMetrics {
  /** Exports every breaker of `registry`, including those made later. */
  trackBreakers(registry: BreakerRegistry): () => void;
  /** Exports these breakers and policies (named by their `name`; equal names add up). */
  track(...policies: TrackedPolicy[]): void;
}

const made = new WeakMap<Registry, ResilienceMetrics>();

/**
 * Registers the resilience metrics in `registry` (the pipeline's `metrics.registry`). The
 * policies only keep plain counters; the metrics read them when the registry is scraped, so
 * a call pays nothing for metrics. Calling it again with the same registry returns the same.
 */
export function resilienceMetrics(registry: Registry): ResilienceMetrics {
  const existing = made.get(registry);
  if (existing) return existing;
  const breakers = new Set<CircuitBreaker<unknown>>();
  const retries = new Set<RetryPolicy>();
  const timeouts = new Set<TimeoutPolicy>();
  const bulkheads = new Set<BulkheadPolicy>();
  const registers = [registry];

  new Gauge({
    name: BREAKER_STATE_METRIC,
    help: 'Circuit breaker state: 1 for the current state, 0 for the others.',
    labelNames: ['breaker', 'state'] as const,
    registers,
    collect() {
      this.reset();
      for (const b of breakers) {
        for (const state of BREAKER_STATES)
          this.set({ breaker: b.name, state }, +(b.state === state));
      }
    },
  });
  totals(
    BREAKER_CALLS_METRIC,
    'Calls through circuit breakers, by outcome.',
    ['breaker', 'outcome'],
    () =>
      [...breakers].flatMap((b) => [
        [{ breaker: b.name, outcome: 'success' }, b.stats.successes],
        [{ breaker: b.name, outcome: 'failure' }, b.stats.failures],
        [{ breaker: b.name, outcome: 'slow' }, b.stats.slowCalls],
        [{ breaker: b.name, outcome: 'ignored' }, b.stats.ignored],
      ]),
  );
  totals(BREAKER_REJECTIONS_METRIC, 'Calls a circuit breaker turned away.', ['breaker'], () =>
    [...breakers].map((b) => [{ breaker: b.name }, b.stats.rejections]),
  );
  totals(RETRIES_METRIC, 'Retry attempts made (after the first attempt).', ['policy'], () =>
    [...retries].map((r) => [{ policy: r.name }, r.retries]),
  );
  totals(TIMEOUTS_METRIC, 'Calls that hit a timeout policy deadline.', ['policy'], () =>
    [...timeouts].map((t) => [{ policy: t.name }, t.timeouts]),
  );
  totals(BULKHEAD_REJECTIONS_METRIC, 'Calls a bulkhead turned away.', ['bulkhead'], () =>
    [...bulkheads].map((b) => [{ bulkhead: b.name }, b.rejections]),
  );
  for (const [name, help, read] of [
    [BULKHEAD_QUEUE_METRIC, 'Calls waiting in a bulkhead queue.', (b: BulkheadPolicy) => b.queued],
    [BULKHEAD_ACTIVE_METRIC, 'Calls running inside a bulkhead.', (b: BulkheadPolicy) => b.active],
  ] as const) {
    new Gauge({
      name,
      help,
      labelNames: ['bulkhead'] as const,
      registers,
      collect() {
        this.reset();
        for (const [labels, value] of sum(
          [...bulkheads].map((b) => [{ bulkhead: b.name }, read(b)]),
        )) {
          this.set(labels, value);
        }
      },
    });
  }

  function totals<L extends string>(
    name: string,
    help: string,
    labelNames: L[],
    read: () => Array<[Record<L, string>, number]>,
  ): void {
    new Counter({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const [labels, value] of sum(read())) this.inc(labels, value);
      },
    });
  }

  const metrics: ResilienceMetrics = {
    trackBreakers: (breakerRegistry) => breakerRegistry.each((b) => breakers.add(b)),
    track: (...policies) => {
      for (const policy of policies) {
        if (policy instanceof RetryPolicy) retries.add(policy);
        else if (policy instanceof TimeoutPolicy) timeouts.add(policy);
        else if (policy instanceof BulkheadPolicy) bulkheads.add(policy);
        else breakers.add(policy);
      }
    },
  };
  made.set(registry, metrics);
  return metrics;
}

/** Adds up entries with equal labels (two policies sharing a name). */
function sum<L extends string>(entries: Array<[Record<L, string>, number]>) {
  const byKey = new Map<string, [Record<L, string>, number]>();
  for (const [labels, value] of entries) {
    const key = JSON.stringify(labels);
    const entry = byKey.get(key);
    if (entry) entry[1] += value;
    else byKey.set(key, [labels, value]);
  }
  return byKey.values();
}
