import { Counter, Gauge, Histogram, type Metric, type Registry } from 'prom-client';
import type { StateCount } from './store.js';

export const JOB_DURATION_METRIC = 'breakwater_job_duration_seconds';
export const JOB_ATTEMPTS_METRIC = 'breakwater_job_attempts_total';
export const JOB_FAILURES_METRIC = 'breakwater_job_failures_total';
export const JOB_DEPTH_METRIC = 'breakwater_jobs';
export const JOB_DEAD_LETTERS_METRIC = 'breakwater_jobs_dead_letter';
/** Depth gauges query the store at most this often; scrapes in between reuse the counts. */
export const DEFAULT_DEPTH_CACHE_MS = 2_000;

/** What workers record. */
export interface WorkerMetrics {
  /** Handler run time by queue, name and outcome (completed, failed, released). */
  duration: Histogram<'queue' | 'name' | 'outcome'>;
  /** Attempts started. */
  attempts: Counter<'queue' | 'name'>;
  /** Attempts failed (thrown, timed out); `final` is "true" when the job went to the DLQ. */
  failures: Counter<'queue' | 'name' | 'final'>;
}

function reuse<T extends Metric>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/** The worker metrics in `registry` (reused when another worker registered them already). */
export function workerMetrics(registry: Registry): WorkerMetrics {
  const registers = [registry];
  return {
    duration: reuse(
      registry,
      JOB_DURATION_METRIC,
      () =>
        new Histogram({
          name: JOB_DURATION_METRIC,
          help: 'Time job handlers ran, by queue, job name and outcome.',
          labelNames: ['queue', 'name', 'outcome'] as const,
          buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
          registers,
        }),
    ),
    attempts: reuse(
      registry,
      JOB_ATTEMPTS_METRIC,
      () =>
        new Counter({
          name: JOB_ATTEMPTS_METRIC,
          help: 'Job attempts started, by queue and job name.',
          labelNames: ['queue', 'name'] as const,
          registers,
        }),
    ),
    failures: reuse(
      registry,
      JOB_FAILURES_METRIC,
      () =>
        new Counter({
          name: JOB_FAILURES_METRIC,
          help: 'Job attempts that failed; final="true" when the job went to the dead-letter queue.',
          labelNames: ['queue', 'name', 'final'] as const,
          registers,
        }),
    ),
  };
}

/**
 * Registers queue depth by queue and state, and the dead-letter count by queue, as gauges
 * that query `counts` when scraped, at most once per `cacheMs` (default 2 s).
 */
export function registerDepthMetrics(
  registry: Registry,
  counts: () => Promise<StateCount[]>,
  options: { cacheMs?: number; now?: () => number } = {},
): void {
  const cacheMs = options.cacheMs ?? DEFAULT_DEPTH_CACHE_MS;
  const now = options.now ?? Date.now;
  let cached: { at: number; counts: Promise<StateCount[]> } | undefined;
  const read = (): Promise<StateCount[]> => {
    if (!cached || now() - cached.at >= cacheMs) {
      const pending = counts().catch((error: unknown) => {
        cached = undefined;
        throw error;
      });
      cached = { at: now(), counts: pending };
    }
    return cached.counts;
  };
  if (registry.getSingleMetric(JOB_DEPTH_METRIC)) return;
  new Gauge({
    name: JOB_DEPTH_METRIC,
    help: 'Jobs by queue and state (pending, processing, retrying, dead_letter).',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await read()) this.set({ queue: row.queue, state: row.state }, row.count);
    },
  });
  new Gauge({
    name: JOB_DEAD_LETTERS_METRIC,
    help: 'Jobs in the dead-letter queue, by queue.',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await read()) {
        if (row.state === 'dead_letter') this.set({ queue: row.queue }, row.count);
      }
    },
  });
}
