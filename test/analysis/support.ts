import { RequestSamples, type WindowSamples } from '../../src/analysis/samples.js';

/** Statistical tests draw from the shared seeded PRNG, so they give the same numbers on every run. */
export { seeded } from '../support/seeded-random.js';

/** Log-normal latencies around `medianMs` (sigma 0.5), like real response times. */
export function latencies(random: () => number, count: number, medianMs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const u1 = 1 - random();
    const u2 = random();
    const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    out.push(medianMs * Math.exp(0.5 * normal));
  }
  return out;
}

/**
 * A version's window [fromMs, toMs) recorded through a real RequestSamples ring: the given
 * latencies spread evenly over the window, the first `failures` of them failed.
 */
export function windowOf(
  values: readonly number[],
  failures = 0,
  fromMs = 0,
  toMs = 30_000,
): WindowSamples {
  const samples = new RequestSamples(Math.max(1, values.length));
  values.forEach((latency, i) => {
    samples.record(fromMs + ((toMs - fromMs) * i) / values.length, latency, i < failures);
  });
  return samples.window(fromMs, toMs);
}
