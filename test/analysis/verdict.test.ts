import { describe, expect, it } from 'vitest';
import { DEFAULT_ANALYSIS, resolveAnalysis } from '../../src/analysis/options.js';
import { type CheckResult, judgeStep, type Verdict } from '../../src/analysis/verdict.js';
import { latencies, seeded, windowOf } from './support.js';

const options = DEFAULT_ANALYSIS;
const MiB = 1_048_576;

function check(verdict: Verdict, name: CheckResult['name']): CheckResult | undefined {
  return verdict.checks.find((result) => result.name === name);
}

/** A step at 10/90: green gets 300 requests and blue 2700 over 30 s, latencies around `ms`. */
function step(greenMs: number, blueMs: number, seed = 3) {
  const random = seeded(seed);
  return { green: latencies(random, 300, greenMs), blue: latencies(random, 2_700, blueMs) };
}

describe('judgeStep', () => {
  it('holds with too little green data instead of passing', () => {
    const verdict = judgeStep({
      green: windowOf(Array(37).fill(10)),
      blue: windowOf(Array(1_000).fill(10)),
      greenWeight: 10,
      blueWeight: 90,
      options,
    });
    expect(verdict.result).toBe('hold');
    expect(verdict.reason).toBe('too little data: 37 of 100 requests');
    expect(verdict.checks).toEqual([]);
    expect(verdict.green.requests).toBe(37);
  });

  it('passes a green that behaves like blue, with a score of 100', () => {
    const { green, blue } = step(20, 20);
    const verdict = judgeStep({
      green: windowOf(green, 1),
      blue: windowOf(blue, 9),
      greenWeight: 10,
      blueWeight: 90,
      greenRssBytes: 110 * MiB,
      blueRssBytes: 100 * MiB,
      options: resolveAnalysis({ mannWhitney: { enabled: true } }),
    });
    expect(verdict.result).toBe('pass');
    expect(verdict.score).toBe(100);
    expect(verdict.checks.map((check) => [check.name, check.passed, check.skipped])).toEqual([
      ['p95-latency', true, false],
      ['error-rate', true, false],
      ['memory', true, false],
      ['throughput', true, false],
      ['mann-whitney', true, false],
    ]);
    const throughput = check(verdict, 'throughput');
    expect(throughput?.green).toBeCloseTo(100, 6); // 10 rps at a 10 % share
    expect(throughput?.blue).toBeCloseTo(100, 6); // 90 rps at a 90 % share
    expect(verdict.reason).toMatch(/^passed 5 checks, 0 skipped: p95 /);
    expect(verdict.mannWhitney?.outcome).toBe('same');
    expect(verdict.reason).toContain(
      'latency not significantly different from blue at 98% confidence',
    );
  });

  it('fails a green 3x slower than blue on p95 (and on Mann-Whitney when enabled)', () => {
    const { green, blue } = step(60, 20);
    const verdict = judgeStep({
      green: windowOf(green),
      blue: windowOf(blue),
      greenWeight: 10,
      blueWeight: 90,
      options: resolveAnalysis({ mannWhitney: { enabled: true } }),
    });
    expect(verdict.result).toBe('fail');
    const p95 = check(verdict, 'p95-latency');
    expect(p95?.passed).toBe(false);
    expect(p95?.ratio).toBeGreaterThan(2.5);
    expect(p95?.ratio).toBeLessThan(3.5);
    expect(verdict.mannWhitney?.outcome).toBe('higher');
    // error rate and throughput passed, p95 and Mann-Whitney failed, memory skipped (no RSS)
    expect(verdict.score).toBe(50);
    expect(verdict.reason).toMatch(
      /^failed p95-latency: p95 \d+(\.\d)? ms vs blue \d+(\.\d)? ms \(\d\.\d\dx, limit 1\.2x and \+5 ms\); mann-whitney: latency higher than blue at 98% confidence \(median .* U=\d+(\.5)?, z=\d+\.\d\d, p=/,
    );
    expect(verdict.reason).not.toContain('\n');
  });

  it('fails a green whose 20 % of requests fail, naming the rates', () => {
    const verdict = judgeStep({
      green: windowOf(Array(300).fill(10), 60),
      blue: windowOf(Array(2_700).fill(10), 3),
      greenWeight: 10,
      blueWeight: 90,
      options,
    });
    expect(verdict.result).toBe('fail');
    expect(verdict.reason).toBe(
      'failed error-rate: error rate 20% vs blue 0.1% (60 of 300 vs 3 of 2700; limit 2x and +1%)',
    );
    expect(check(verdict, 'error-rate')?.ratio).toBeCloseTo(180, 6);
  });

  it('does not fail on noise within the slack: 0.5 % vs 0 % errors, 3 ms vs 1 ms p95', () => {
    const verdict = judgeStep({
      green: windowOf(Array(200).fill(3), 1),
      blue: windowOf(Array(1_800).fill(1), 0),
      greenWeight: 10,
      blueWeight: 90,
      options,
    });
    expect(verdict.result).toBe('pass');
    const errorRate = check(verdict, 'error-rate');
    expect(errorRate).toMatchObject({ passed: true, green: 0.005, blue: 0, ratio: null });
    expect(check(verdict, 'p95-latency')?.ratio).toBe(3);
  });

  it('fails memory above 1.3x blue, skips it when an RSS is unknown', () => {
    const base = {
      green: windowOf(Array(300).fill(10)),
      blue: windowOf(Array(2_700).fill(10)),
      greenWeight: 10,
      blueWeight: 90,
      options,
    };
    const fat = judgeStep({ ...base, greenRssBytes: 140 * MiB, blueRssBytes: 100 * MiB });
    expect(fat.result).toBe('fail');
    expect(fat.reason).toBe('failed memory: RSS 140.0 MiB vs blue 100.0 MiB (1.40x, limit 1.3x)');
    const unknown = judgeStep({ ...base, greenRssBytes: 140 * MiB });
    expect(unknown.result).toBe('pass');
    expect(check(unknown, 'memory')).toMatchObject({
      skipped: true,
      passed: true,
      detail: 'skipped: RSS unknown',
    });
  });

  it('fails throughput per weight share below 0.8x blue, skips it without blue traffic', () => {
    // green serves 60 requests in 30 s at a 10 % share (20 rps per share), blue 2700 (100)
    const slow = judgeStep({
      green: windowOf(Array(60).fill(10)),
      blue: windowOf(Array(2_700).fill(10)),
      greenWeight: 10,
      blueWeight: 90,
      options: resolveAnalysis({ minSample: 50 }),
    });
    expect(slow.result).toBe('fail');
    expect(check(slow, 'throughput')?.ratio).toBeCloseTo(0.2, 6);
    const alone = judgeStep({
      green: windowOf(Array(300).fill(10)),
      blue: windowOf([]),
      greenWeight: 100,
      blueWeight: 0,
      options,
    });
    expect(check(alone, 'throughput')?.skipped).toBe(true);
  });

  it('skips relative checks when blue has too little data, holding errors to 5 % instead', () => {
    const input = {
      blue: windowOf(Array(12).fill(1)),
      greenWeight: 100,
      blueWeight: 0,
      options,
    };
    const fine = judgeStep({ ...input, green: windowOf(Array(300).fill(50), 12) });
    expect(fine.result).toBe('pass');
    expect(check(fine, 'p95-latency')?.detail).toBe(
      'skipped: blue has too little data: 12 of 100 requests',
    );
    const failing = judgeStep({ ...input, green: windowOf(Array(300).fill(50), 60) });
    expect(failing.result).toBe('fail');
    expect(failing.reason).toBe(
      'failed error-rate: error rate 20% against the absolute limit 5% (blue has too little data: 12 of 100 requests)',
    );
  });

  it('produces a verdict that survives JSON unchanged', () => {
    const { green, blue } = step(60, 20);
    const verdict = judgeStep({
      green: windowOf(green, 30),
      blue: windowOf([...blue.slice(0, 150)]),
      greenWeight: 50,
      blueWeight: 0,
      greenRssBytes: 1,
      options: resolveAnalysis({ mannWhitney: { enabled: true } }),
    });
    expect(JSON.parse(JSON.stringify(verdict))).toEqual(verdict);
  });
});
