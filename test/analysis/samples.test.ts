import { describe, expect, it } from 'vitest';
import { RequestSamples } from '../../src/analysis/samples.js';

describe('RequestSamples', () => {
  it('returns the samples of a window, oldest first, with failures counted', () => {
    const samples = new RequestSamples(8);
    samples.record(1000, 5, false);
    samples.record(1500, 7, true);
    samples.record(2000, 9, false);
    const w = samples.window(1000, 2000);
    expect([...w.latencies]).toEqual([5, 7]);
    expect(w.failures).toBe(1);
    expect(w.count).toBe(2);
    expect(w.truncated).toBe(false);
  });

  it('overwrites the oldest samples when full and says the window was truncated', () => {
    const samples = new RequestSamples(4);
    for (let t = 0; t < 10; t++) samples.record(t * 100, t, t % 2 === 0);
    expect(samples.total).toBe(10);
    const all = samples.window(0, 10_000);
    expect([...all.latencies]).toEqual([6, 7, 8, 9]);
    expect(all.failures).toBe(2);
    expect(all.truncated).toBe(true);
    expect(samples.window(650, 10_000).truncated).toBe(false);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RequestSamples(0)).toThrow(/capacity/);
  });
});
