import { describe, expect, it } from 'vitest';
import { SustainedCondition } from '../../src/analysis/sustained.js';

describe('SustainedCondition', () => {
  it('fires once the breach has lasted sustainMs without a break', () => {
    const condition = new SustainedCondition(2_000);
    expect(condition.update(1_000, true)).toEqual({ since: 1_000, fired: false });
    expect(condition.update(2_000, true)).toEqual({ since: 1_000, fired: false });
    expect(condition.update(2_999, true).fired).toBe(false);
    expect(condition.update(3_000, true)).toEqual({ since: 1_000, fired: true });
    expect(condition.update(3_500, true).fired).toBe(true);
  });

  it('starts over after one good observation', () => {
    const condition = new SustainedCondition(2_000);
    condition.update(0, true);
    condition.update(1_900, true);
    expect(condition.update(2_000, false)).toEqual({ since: undefined, fired: false });
    expect(condition.update(2_100, true)).toEqual({ since: 2_100, fired: false });
    expect(condition.update(4_000, true).fired).toBe(false);
    expect(condition.update(4_100, true).fired).toBe(true);
  });

  it('fires at the first breach when sustainMs is 0, and reset() forgets the breach', () => {
    const immediate = new SustainedCondition(0);
    expect(immediate.update(5, true)).toEqual({ since: 5, fired: true });
    const condition = new SustainedCondition(1_000);
    condition.update(0, true);
    condition.reset();
    expect(condition.since).toBeUndefined();
    expect(condition.update(1_000, true)).toEqual({ since: 1_000, fired: false });
  });

  it('refuses a negative or infinite sustainMs', () => {
    expect(() => new SustainedCondition(-1)).toThrow(/sustainMs/);
    expect(() => new SustainedCondition(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
