import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createPipeline } from '../../src/pipeline/index.js';
import {
  addBreakerChecks,
  BreakerRegistry,
  breakerHealthCheck,
  bulkhead,
  resilienceMetrics,
  retry,
  timeout,
} from '../../src/resilience/index.js';

const down = async (): Promise<string> => {
  throw new Error('down');
};

function metricLine(text: string, prefix: string): string | undefined {
  return text.split('\n').find((line) => line.startsWith(prefix));
}

describe('metrics', () => {
  it('exports breaker state, calls by outcome, rejections, retries, timeouts and bulkhead queue', async () => {
    const registry = new Registry();
    const breakers = new BreakerRegistry();
    const metrics = resilienceMetrics(registry);
    expect(resilienceMetrics(registry)).toBe(metrics);
    metrics.trackBreakers(breakers);
    const payments = breakers.get('payments', { consecutiveFailures: 2 });
    await payments.execute(async () => 'ok');
    await payments.execute(down).catch(() => {});
    await payments.execute(down).catch(() => {});
    await payments.execute(async () => 'rejected').catch(() => {});
    breakers.get('slack'); // made after tracking started

    const again = retry({ name: 'again', maxAttempts: 2, initialDelayMs: 1 });
    await again.execute(down).catch(() => {});
    const quick = timeout(5, { name: 'quick' });
    await quick.execute(() => new Promise((resolve) => setTimeout(resolve, 50))).catch(() => {});
    const head = bulkhead({ name: 'head', maxConcurrent: 1, maxQueue: 2 });
    let release = () => {};
    const held = head.execute(() => new Promise<void>((resolve) => (release = resolve)));
    const queued = head.execute(async () => {});
    metrics.track(again, quick, head);

    const text = await registry.metrics();
    expect(metricLine(text, 'breakwater_breaker_state{breaker="payments",state="OPEN"}')).toMatch(
      / 1$/,
    );
    expect(metricLine(text, 'breakwater_breaker_state{breaker="payments",state="CLOSED"}')).toMatch(
      / 0$/,
    );
    expect(metricLine(text, 'breakwater_breaker_state{breaker="slack",state="CLOSED"}')).toMatch(
      / 1$/,
    );
    expect(
      metricLine(text, 'breakwater_breaker_calls_total{breaker="payments",outcome="success"}'),
    ).toMatch(/ 1$/);
    expect(
      metricLine(text, 'breakwater_breaker_calls_total{breaker="payments",outcome="failure"}'),
    ).toMatch(/ 2$/);
    expect(metricLine(text, 'breakwater_breaker_rejections_total{breaker="payments"}')).toMatch(
      / 1$/,
    );
    expect(metricLine(text, 'breakwater_retries_total{policy="again"}')).toMatch(/ 1$/);
    expect(metricLine(text, 'breakwater_timeouts_total{policy="quick"}')).toMatch(/ 1$/);
    expect(metricLine(text, 'breakwater_bulkhead_queue_length{bulkhead="head"}')).toMatch(/ 1$/);
    expect(metricLine(text, 'breakwater_bulkhead_active{bulkhead="head"}')).toMatch(/ 1$/);
    release();
    await Promise.all([held, queued]);
    const after = await registry.metrics();
    expect(metricLine(after, 'breakwater_bulkhead_queue_length{bulkhead="head"}')).toMatch(/ 0$/);
    // scraping twice does not double the counters
    expect(
      metricLine(after, 'breakwater_breaker_calls_total{breaker="payments",outcome="failure"}'),
    ).toMatch(/ 2$/);
  });
});

describe('health checks', () => {
  it('reports an open breaker as warn under breaker:<name>, non-critical', async () => {
    const breakers = new BreakerRegistry();
    const breaker = breakers.get('storage', { consecutiveFailures: 1 });
    const check = breakerHealthCheck(breaker);
    expect(check).toMatchObject({ name: 'breaker:storage', critical: false });
    const signal = new AbortController().signal;
    expect(await check.check(signal)).toMatchObject({ status: 'pass', observedValue: 'CLOSED' });
    await breaker.execute(down).catch(() => {});
    const open = await check.check(signal);
    expect(open).toMatchObject({ status: 'warn', observedValue: 'OPEN' });
    expect((open as { output: string }).output).toMatch(
      /circuit breaker "storage" is OPEN \(consecutive-failures\); next probe in 30 s/,
    );
  });

  it("shows in the pipeline's /health as warn while /ready stays 200", async () => {
    const pipeline = createPipeline({
      service: 'resilience-test',
      hashSecret: 'secret',
      defaultMetrics: false,
      logDestination: new Writable({ write: (_c, _e, done) => done() }),
    });
    const breakers = new BreakerRegistry();
    addBreakerChecks(pipeline, breakers);
    const email = breakers.get('email');
    for (let i = 0; i < 3; i++) await email.execute(down).catch(() => {});
    const health = await pipeline.http.probe('health');
    const report = JSON.parse(String(health.body)) as {
      status: string;
      checks: Record<string, Array<{ status: string; observedValue: unknown }>>;
    };
    expect(report.status).toBe('warn');
    expect(report.checks['breaker:email']?.[0]).toMatchObject({
      status: 'warn',
      observedValue: 'OPEN',
    });
    expect((await pipeline.http.probe('ready')).status).toBe(200);
  });
});
