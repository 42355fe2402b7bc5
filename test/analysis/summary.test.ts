import { describe, expect, it } from 'vitest';
import { percentile, summarize } from '../../src/analysis/summary.js';
import { windowOf } from './support.js';

describe('percentile (nearest rank)', () => {
  const sorted = [15, 20, 35, 40, 50];

  it('takes the value at rank ceil(p/100 x n)', () => {
    // the textbook example: n = 5 -> p30 rank 2, p40 rank 2, p50 rank 3, p100 rank 5
    expect(percentile(sorted, 30)).toBe(20);
    expect(percentile(sorted, 40)).toBe(20);
    expect(percentile(sorted, 50)).toBe(35);
    expect(percentile(sorted, 100)).toBe(50);
    expect(percentile(sorted, 0)).toBe(15);
  });

  it('gives p95 and p99 of 1..100 as 95 and 99, and null for no values', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 99.5)).toBe(100);
    expect(percentile([], 50)).toBeNull();
  });

  it('refuses a percentile outside 0..100', () => {
    expect(() => percentile(sorted, 101)).toThrow(RangeError);
    expect(() => percentile(sorted, Number.NaN)).toThrow(/0\.\.100/);
  });
});

describe('summarize', () => {
  it('computes rate, percentiles, mean and throughput of a window', () => {
    // 200 requests over 10 s, latencies 1..200 ms in shuffled order, 10 failed
    const values = Array.from({ length: 200 }, (_, i) => ((i * 37) % 200) + 1);
    const figures = summarize(windowOf(values, 10, 5_000, 15_000));
    expect(figures).toEqual({
      requests: 200,
      failures: 10,
      errorRate: 0.05,
      p50Ms: 100,
      p95Ms: 190,
      p99Ms: 198,
      meanMs: 100.5,
      throughputRps: 20,
    });
  });

  it('gives zeros and nulls for an empty window', () => {
    expect(summarize(windowOf([], 0, 0, 1_000))).toEqual({
      requests: 0,
      failures: 0,
      errorRate: 0,
      p50Ms: null,
      p95Ms: null,
      p99Ms: null,
      meanMs: null,
      throughputRps: 0,
    });
    expect(summarize(windowOf([], 0, 1_000, 1_000)).throughputRps).toBe(0);
  });
});
