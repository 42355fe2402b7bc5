import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { hasCode } from '../../src/errors/breakwater-error.js';
import { errors } from '../../src/errors/registry.js';
import { SeriesHistogram } from '../../src/pipeline/histogram.js';
import { createMetrics, IN_FLIGHT_METRIC } from '../../src/pipeline/metrics.js';

const config = { name: 'op_seconds', help: 'How long ops took.' };
/** Bounds themselves, values between them, beyond the last one, and zero. */
const SAMPLES: Array<[method: string, route: string, status: string, seconds: number]> = [
  ['GET', '/a/:id', '2xx', 0],
  ['GET', '/a/:id', '2xx', 0.005],
  ['GET', '/a/:id', '2xx', 0.0051],
  ['GET', '/a/:id', '2xx', 0.3],
  ['GET', '/a/:id', '2xx', 10],
  ['GET', '/a/:id', '2xx', 12.5],
  ['POST', '/a', '4xx', 1],
  ['GET', '/a/:id', '5xx', 2.5],
  ['GET', '/say "hi"\\', '2xx', 0.01],
];

/** The same observations through prom-client's Histogram and through SeriesHistogram. */
function bothHistograms() {
  const reference = new Registry();
  const ours = new Registry();
  const labelNames = ['method', 'route', 'status_class'] as const;
  const histogram = new Histogram({ ...config, labelNames, registers: [reference] });
  const series = new SeriesHistogram({ ...config, labelNames, registers: [ours] });
  for (const [method, route, status, seconds] of SAMPLES) {
    histogram.labels(method, route, status).observe(seconds);
    series.observer(method, route, status)(seconds);
  }
  return { reference, ours, series };
}

describe('SeriesHistogram', () => {
  it('exports exactly the text prom-client exports for the same observations', async () => {
    const { reference, ours } = bothHistograms();
    const text = await ours.metrics();
    expect(text).toBe(await reference.metrics());
    expect(text).toContain(
      'op_seconds_bucket{le="0.005",method="GET",route="/a/:id",status_class="2xx"} 2',
    );
    expect(text).toContain('op_seconds_count{method="POST",route="/a",status_class="4xx"} 1');
  });

  it('exports the same JSON as prom-client', async () => {
    const { reference, ours } = bothHistograms();
    expect(await ours.getMetricsAsJSON()).toEqual(await reference.getMetricsAsJSON());
  });

  it('keeps one observer per series and forgets everything on reset', async () => {
    const { ours, series } = bothHistograms();
    expect(series.observer('GET', '/a/:id', '2xx')).toBe(series.observer('GET', '/a/:id', '2xx'));
    ours.resetMetrics();
    expect(await ours.metrics()).not.toContain('op_seconds_bucket');
    series.observer('GET', '/b', '2xx')(0.2);
    expect(await ours.metrics()).toContain(
      'op_seconds_count{method="GET",route="/b",status_class="2xx"} 1',
    );
  });

  it('ignores a value that is not a finite number, as it cannot be bucketed', async () => {
    const registry = new Registry();
    const series = new SeriesHistogram({
      ...config,
      labelNames: ['a', 'b'],
      registers: [registry],
    });
    series.observer('x', 'y')(Number.NaN);
    series.observer('x', 'y')(0.1);
    expect(await registry.metrics()).toContain('op_seconds_count{a="x",b="y"} 1');
  });

  it('refuses the wrong number of label values and bad buckets', () => {
    const series = new SeriesHistogram({ ...config, labelNames: ['a', 'b'] });
    expect(() => series.observer('x', 'y', 'z')).toThrow(RangeError);
    expect(() => new SeriesHistogram({ ...config, labelNames: ['a'] })).toThrow(RangeError);
    expect(
      () => new SeriesHistogram({ ...config, labelNames: ['a', 'b'], buckets: [1, 0.5] }),
    ).toThrow(RangeError);
  });
});

describe('createMetrics', () => {
  it('counts requests in flight and shares the count (and histograms) with a shared registry', async () => {
    const first = createMetrics(undefined, { defaultMetrics: false });
    const second = createMetrics(first.registry, { defaultMetrics: false });
    expect(second.requestDuration).toBe(first.requestDuration);
    first.inFlight.inc();
    second.inFlight.inc();
    first.inFlight.inc();
    second.inFlight.dec();
    expect(await first.registry.metrics()).toContain(`${IN_FLIGHT_METRIC} 2`);
  });

  it('refuses a registry where another kind of metric holds one of its names', () => {
    const registry = new Registry();
    new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'x',
      registers: [registry],
    });
    let thrown: unknown;
    try {
      createMetrics(registry, { defaultMetrics: false });
    } catch (error) {
      thrown = error;
    }
    expect(hasCode(thrown, errors.CONFIG_INVALID)).toBe(true);
  });
});
