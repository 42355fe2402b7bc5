import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createPipeline } from '../../src/pipeline/index.js';
import {
  type Clock,
  createResilientHttpClient,
  isBrokenCircuitError,
  isTimeoutError,
} from '../../src/resilience/index.js';
import { type Sink, startSink } from '../fixtures/resilience/sink.js';

const sinks: Sink[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.stop()));
});
async function sink(...args: Parameters<typeof startSink>) {
  const started = await startSink(...args);
  sinks.push(started);
  return started;
}

/** Fires retry backoffs at once, recording what they asked for. */
function recordingClock(delays: number[]): Clock {
  return {
    now: () => Date.now(),
    setTimeout: (fn, ms) => {
      delays.push(ms);
      return setTimeout(fn, 0);
    },
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  };
}

describe('resilient HTTP client', () => {
  it('sends traceparent from the provider, or from the pipeline context, unless the caller set one', async () => {
    const target = await sink();
    const fixed = createResilientHttpClient({
      traceparent: () => '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    await fixed.fetch(`${target.url}/a`);
    expect(target.received[0]?.headers.traceparent).toBe(
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    );
    await fixed.fetch(`${target.url}/b`, { headers: { traceparent: 'mine' } });
    expect(target.received[1]?.headers.traceparent).toBe('mine');

    const pipeline = createPipeline({
      service: 'http-client-test',
      hashSecret: 'x',
      defaultMetrics: false,
      logDestination: new Writable({ write: (_c, _e, done) => done() }),
    });
    const traced = createResilientHttpClient({ pipeline });
    await traced.fetch(`${target.url}/outside`);
    expect(target.received[2]?.headers.traceparent).toBeUndefined();
    const span = await pipeline.withSpan('notify', async (s) => {
      await traced.fetch(`${target.url}/inside`);
      return s;
    });
    expect(target.received[3]?.headers.traceparent).toBe(`00-${span.traceId}-${span.spanId}-01`);
  });

  it('retries a GET on 503, honouring Retry-After, but never a POST by default', async () => {
    const target = await sink((n, request, response) => {
      if (request.method === 'GET' && n >= 2) return response.end('finally');
      response.writeHead(503, { 'retry-after': '1' }).end('busy');
    });
    const delays: number[] = [];
    const client = createResilientHttpClient({
      defaults: { retry: { maxAttempts: 4, random: () => 0, clock: recordingClock(delays) } },
    });
    const response = await client.fetch(`${target.url}/thing`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('finally');
    expect(target.received).toHaveLength(3);
    expect(delays).toEqual([1_000, 1_000]);

    const posted = await client.fetch(`${target.url}/thing`, { method: 'POST', body: '{}' });
    expect(posted.status).toBe(503);
    await posted.body?.cancel();
    expect(target.received).toHaveLength(4);
  });

  it('opens the slack preset breaker after 5 failing responses; then rejects without a request', async () => {
    const target = await sink((_n, _r, response) => response.writeHead(500).end('down'));
    const client = createResilientHttpClient({
      upstreams: { [target.url]: { preset: 'slack' } },
    });
    for (let i = 0; i < 5; i++) {
      const response = await client.fetch(`${target.url}/hook`, { method: 'POST', body: 'x' });
      expect(response.status).toBe(500);
      await response.body?.cancel();
    }
    const breaker = client.breakerFor(target.url);
    expect(breaker?.name).toBe(`slack:127.0.0.1:${target.port}`);
    expect(breaker?.state).toBe('OPEN');
    expect(breaker?.options.openDurationMs).toBe(30_000);
    const error = await client
      .fetch(`${target.url}/hook`, { method: 'POST' })
      .catch((e: unknown) => e);
    expect(isBrokenCircuitError(error)).toBe(true);
    expect(target.received).toHaveLength(5);
    expect(client.registry.find(breaker?.name ?? '')).toBe(breaker);
  });

  it('gives each attempt a deadline and keeps upstreams apart', async () => {
    const hanging = await sink(() => {}); // never answers
    const healthy = await sink();
    const client = createResilientHttpClient({
      upstreams: { [hanging.url]: { timeoutMs: 100, retry: false } },
      defaults: { breakerOptions: { consecutiveFailures: 1 } },
    });
    const error = await client.fetch(`${hanging.url}/slow`).catch((e: unknown) => e);
    expect(isTimeoutError(error)).toBe(true);
    expect(client.breakerFor(hanging.url)?.stats.failures).toBe(1);
    expect((await client.fetch(`${healthy.url}/`)).status).toBe(200);
    expect(client.breakerFor(healthy.url)?.options.consecutiveFailures).toBe(1);
    expect(client.breakerFor(healthy.url)).not.toBe(client.breakerFor(hanging.url));
    await expect(client.fetch('not a url')).rejects.toThrow(/not an absolute URL/);
  });
});
