import { describe, expect, it } from 'vitest';
import { erfc, mannWhitneyU } from '../../src/analysis/mann-whitney.js';
import { latencies, seeded } from './support.js';

describe('mannWhitneyU', () => {
  it('matches a hand computation: no overlap, 3 against 3', () => {
    // green ranks 1,2,3 -> R = 6, U = 6 - 3*4/2 = 0; mean 4.5, variance 3*3/12*7 = 5.25
    // z = -(4.5 - 0.5)/sqrt(5.25) = -1.7457; p = 2 * (1 - Phi(1.7457)) = 0.080856
    // (SciPy: mannwhitneyu([1,2,3],[4,5,6], method='asymptotic') -> U 0, p 0.08085559837005224)
    const result = mannWhitneyU([3, 1, 2], [4, 6, 5], 0.9);
    expect(result.u).toBe(0);
    expect(result.z).toBeCloseTo(-1.745743, 5);
    expect(result.pValue).toBeCloseTo(0.08085559837005224, 6);
    expect(result.outcome).toBe('lower'); // significant at 90 %: p < 0.1
    expect(mannWhitneyU([1, 2, 3], [4, 5, 6], 0.98).outcome).toBe('same');
    expect(mannWhitneyU([4, 5, 6], [1, 2, 3], 0.9)).toMatchObject({ u: 9, outcome: 'higher' });
  });

  it('matches a hand computation with ties (average ranks, tie-corrected variance)', () => {
    // pooled: 1g 2g 2g 2b 3g 3b 3b 4b 5b -> ranks 1, 3,3,3, 6,6,6, 8, 9
    // green R = 1 + 3 + 3 + 6 = 13, U = 13 - 10 = 3; ties: 2 x (27 - 3) = 48
    // variance = 20/12 x (10 - 48/72) = 15.5556; z = -(10 - 3 - 0.5)/3.9441 = -1.6480
    // (SciPy: U 3, p 0.09934224785346528)
    const result = mannWhitneyU([1, 2, 2, 3], [2, 3, 3, 4, 5], 0.98);
    expect(result.u).toBe(3);
    expect(result.z).toBeCloseTo(-1.648, 3);
    expect(result.pValue).toBeCloseTo(0.09934224785346528, 6);
    expect(result.outcome).toBe('same');
    expect(result.greenMedianMs).toBe(2);
    expect(result.blueMedianMs).toBe(3);
  });

  it('agrees with SciPy on larger samples', () => {
    // scipy.stats.mannwhitneyu(..., alternative='two-sided', method='asymptotic')
    const a = mannWhitneyU([10, 12, 14, 16, 18, 20, 22], [11, 13, 13, 15, 17], 0.98);
    expect(a.u).toBe(23);
    expect(a.pValue).toBeCloseTo(0.4159765780282949, 6);
    const green = [3.1, 4.2, 5.5, 6.0, 7.7, 8.1, 9.9, 10.4, 11.0, 12.5];
    const blue = [1.0, 2.2, 2.9, 3.3, 4.0, 4.4, 5.1, 5.9, 6.3, 7.0];
    const b = mannWhitneyU(green, blue, 0.98);
    expect(b.u).toBe(83);
    expect(b.pValue).toBeCloseTo(0.014019277113959953, 6);
    expect(b.outcome).toBe('higher'); // p 0.014 < 0.02
    expect(mannWhitneyU(green, blue, 0.99).outcome).toBe('same'); // p 0.014 > 0.01
  });

  it('answers same, z 0 and p 1 when every value is equal or a side is empty', () => {
    expect(mannWhitneyU([5, 5, 5], [5, 5, 5, 5], 0.98)).toMatchObject({
      u: 6,
      z: 0,
      pValue: 1,
      outcome: 'same',
    });
    expect(mannWhitneyU([], [1, 2], 0.98)).toMatchObject({
      pValue: 1,
      outcome: 'same',
      greenMedianMs: null,
    });
  });

  it('says same for identical distributions at least 95 % of the time (98 % expected)', () => {
    const random = seeded(42);
    let same = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const result = mannWhitneyU(latencies(random, 200, 20), latencies(random, 200, 20), 0.98);
      if (result.outcome === 'same') same++;
    }
    expect(same / trials).toBeGreaterThanOrEqual(0.95);
    expect(same).toBeLessThan(trials); // a test that never rejects would be broken too
  });

  it('says higher for a green 20 % slower and lower for one 20 % faster', () => {
    const random = seeded(7);
    const blue = latencies(random, 300, 20);
    expect(mannWhitneyU(latencies(random, 300, 24), blue, 0.98).outcome).toBe('higher');
    expect(mannWhitneyU(latencies(random, 300, 16), blue, 0.98).outcome).toBe('lower');
  });

  it('compares 2 x 100k samples in well under a second', () => {
    const random = seeded(1);
    const green = Float64Array.from(latencies(random, 100_000, 21));
    const blue = Float64Array.from(latencies(random, 100_000, 20));
    const started = performance.now();
    const result = mannWhitneyU(green, blue, 0.98);
    const elapsed = performance.now() - started;
    expect(result.outcome).toBe('higher');
    expect(elapsed).toBeLessThan(1_000);
  });

  it('refuses a confidence outside (0, 1) and NaN latencies', () => {
    expect(() => mannWhitneyU([1], [2], 1)).toThrow(/confidence/);
    expect(() => mannWhitneyU([1, Number.NaN], [2], 0.98)).toThrow(/NaN/);
  });
});

describe('erfc', () => {
  it('matches known values to 1e-7', () => {
    expect(erfc(0)).toBeCloseTo(1, 7);
    expect(erfc(1)).toBeCloseTo(0.157299207050285, 7);
    expect(erfc(2)).toBeCloseTo(0.004677734981047266, 8);
    expect(erfc(-1)).toBeCloseTo(1.842700792949715, 7);
  });
});
