import type { WindowSamples } from './samples.js';

/** What one version did over a window: the figures triggers, verdicts and `status` show. */
export interface VersionFigures {
  requests: number;
  failures: number;
  /** failures / requests, 0..1; 0 when there were no requests. */
  errorRate: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  meanMs: number | null;
  /** requests / window length in seconds; 0 for an empty or zero-length window. */
  throughputRps: number;
}

/**
 * The p-th percentile (p in percent, 0..100) of ascending `sorted` values by the
 * nearest-rank method: the value at rank ceil(p / 100 x n), at least rank 1. It is always
 * one of the observed values (no interpolation). null when there are no values.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const n = sorted.length;
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[rank - 1] as number;
}

/** Ascending copy of `values` (typed-array sort: numeric, not lexicographic). */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** Summarizes one version's samples over a window. Latencies of failed requests count too. */
export function summarize(window: WindowSamples): VersionFigures {
  const sorted = sortedCopy(window.latencies);
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i] as number;
  const requests = window.count;
  const seconds = (window.toMs - window.fromMs) / 1000;
  return {
    requests,
    failures: window.failures,
    errorRate: requests === 0 ? 0 : window.failures / requests,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    meanMs: sorted.length === 0 ? null : sum / sorted.length,
    throughputRps: seconds > 0 ? requests / seconds : 0,
  };
}
