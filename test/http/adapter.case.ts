import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import path from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HealthStatus, Pipeline, PipelineOptions } from '../../src/pipeline/index.js';
import { createPipeline } from '../../src/pipeline/index.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import { cleanupBackends, tempDir } from '../support/backends.js';
import { createGate, type Gate, LogCapture } from './log-capture.js';
import {
  type AdapterFactory,
  closeServer,
  listening,
  PLAIN_ERROR_MESSAGE,
  type RunningApp,
} from './test-app.js';

const SECRET = 'test-hash-secret';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const TRACEPARENT_RE = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;
const hmac = (id: string) => createHmac('sha256', SECRET).update(id).digest('hex').slice(0, 16);

interface Started {
  pipeline: Pipeline;
  logs: LogCapture;
  gate: Gate;
  app: RunningApp;
  store: Store;
  state: { status: HealthStatus; optionalFails: boolean; closed: string[] };
  get(
    path: string,
    headers?: Record<string, string>,
    signal?: AbortSignal,
  ): ReturnType<typeof fetch>;
  post(path: string, body: string, headers?: Record<string, string>): ReturnType<typeof fetch>;
}

/**
 * The behaviour every adapter must show, over real sockets: trace context, request logs,
 * health, shutdown, errors, metrics and the outgoing client. `factory` builds the test app
 * (test-app.ts) with one framework and listens on 127.0.0.1:0.
 */
export function adapterSuite(name: string, factory: AdapterFactory): void {
  describe(`request pipeline over ${name}`, () => {
    let downstream: Server;
    let downstreamUrl: string;
    const seen: IncomingHttpHeaders[] = [];
    const cleanups: Array<() => Promise<void>> = [];

    beforeAll(async () => {
      downstream = createServer((req, res) => {
        seen.push(req.headers);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ traceparent: req.headers.traceparent ?? null }));
      }).listen(0, '127.0.0.1');
      downstreamUrl = await listening(downstream);
    });
    afterEach(async () => {
      while (cleanups.length > 0) await cleanups.pop()?.();
    });
    afterAll(async () => {
      await closeServer(downstream);
      await cleanupBackends();
    });

    async function start(options: Partial<PipelineOptions> = {}): Promise<Started> {
      const logs = new LogCapture();
      const store = openStore(`sqlite:${path.join(tempDir(), 'state.db')}`);
      const state = {
        status: 'pass' as HealthStatus,
        optionalFails: false,
        closed: [] as string[],
      };
      const pipeline = createPipeline({
        service: 'adapter-test',
        version: '1.2.3',
        hashSecret: SECRET,
        logLevel: 'info',
        spanLogLevel: 'info',
        logDestination: logs,
        stores: [store],
        checks: [
          { name: 'custom:state', check: async () => ({ status: state.status, observedValue: 1 }) },
          {
            name: 'cache:reachable',
            critical: false,
            check: async () => {
              if (state.optionalFails) throw new Error('cache is down');
            },
          },
        ],
        ...options,
      });
      pipeline.onClose(() => {
        state.closed.push('app');
      });
      const gate = createGate();
      const app = await factory({ pipeline, gate, downstreamUrl });
      const agent = new Agent();
      cleanups.push(async () => {
        gate.release();
        await app.close();
        await agent.destroy();
        await store.close();
      });
      return {
        pipeline,
        logs,
        gate,
        app,
        store,
        state,
        get: (p, headers = {}, signal) =>
          fetch(app.url + p, { headers, dispatcher: agent, ...(signal ? { signal } : {}) }),
        post: (p, body, headers = {}) =>
          fetch(app.url + p, {
            method: 'POST',
            body,
            headers: { 'content-type': 'application/json', ...headers },
            dispatcher: agent,
          }),
      };
    }

    describe('traceparent', () => {
      it('continues a valid trace: same trace id, a new span id, the parent in the log', async () => {
        const { get, logs } = await start();
        const res = await get('/things/abc', { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-trace-id')).toBe(TRACE_ID);
        const [, traceId, spanId] = TRACEPARENT_RE.exec(res.headers.get('traceparent') ?? '') ?? [];
        expect(traceId).toBe(TRACE_ID);
        expect(spanId).not.toBe(PARENT_ID);
        const body = (await res.json()) as { traceId: string };
        expect(body.traceId).toBe(TRACE_ID);
        const line = await logs.requestLine(TRACE_ID);
        expect(line).toMatchObject({ parentSpanId: PARENT_ID, spanId, route: '/things/:id' });
      });

      it('accepts a future version by its first four fields', async () => {
        const { get } = await start();
        const res = await get('/things/abc', {
          traceparent: `cc-${TRACE_ID}-${PARENT_ID}-01-what-the-future-adds`,
        });
        expect(res.headers.get('x-trace-id')).toBe(TRACE_ID);
      });

      const invalid = {
        'uppercase trace id': `00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-01`,
        'all-zero trace id': `00-${'0'.repeat(32)}-${PARENT_ID}-01`,
        'all-zero parent id': `00-${TRACE_ID}-${'0'.repeat(16)}-01`,
        'version ff': `ff-${TRACE_ID}-${PARENT_ID}-01`,
        'short trace id': `00-${TRACE_ID.slice(1)}-${PARENT_ID}-01`,
        'long parent id': `00-${TRACE_ID}-${PARENT_ID}0-01`,
        'version 00 with a suffix': `00-${TRACE_ID}-${PARENT_ID}-01-extra`,
        'not hex': `00-${TRACE_ID.replace('4', 'g')}-${PARENT_ID}-01`,
        garbage: 'hello',
      };
      for (const [what, header] of Object.entries(invalid)) {
        it(`starts a new trace for an invalid header (${what}), never an error`, async () => {
          const { get, logs } = await start();
          const res = await get('/things/abc', { traceparent: header });
          expect(res.status).toBe(200);
          const traceId = res.headers.get('x-trace-id') ?? '';
          expect(traceId).toMatch(/^[0-9a-f]{32}$/);
          expect(traceId).not.toBe(TRACE_ID);
          expect(res.headers.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-`));
          const line = await logs.requestLine(traceId);
          expect(line.parentSpanId).toBeUndefined();
        });
      }

      it('starts a new trace when there is no header; X-Trace-Id is the trace id', async () => {
        const { get } = await start();
        const res = await get('/things/abc');
        const [, traceId] = TRACEPARENT_RE.exec(res.headers.get('traceparent') ?? '') ?? [];
        expect(traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(res.headers.get('x-trace-id')).toBe(traceId);
      });
    });

    describe('request log', () => {
      const credentials = {
        authorization: 'Bearer acme-tenant-7:user-42',
        cookie: 'session=COOKIE-SECRET-VALUE',
        'x-api-key': 'APIKEY-SECRET-VALUE',
      };

      it('writes one line per request with template, status, duration, bytes and hashed ids', async () => {
        const { get, post, logs } = await start();
        const res = await get('/things/abc?x=1', credentials);
        const text = await res.text();
        const traceId = res.headers.get('x-trace-id') ?? '';
        const line = await logs.requestLine(traceId);
        expect(line).toMatchObject({
          level: 30,
          method: 'GET',
          route: '/things/:id',
          status: 200,
          bytesOut: Buffer.byteLength(text),
          tenantHash: hmac('acme-tenant-7'),
          userHash: hmac('user-42'),
          service: 'adapter-test',
        });
        expect(line.durationMs).toBeTypeOf('number');
        expect(line.durationMs as number).toBeGreaterThanOrEqual(0);

        const created = await post('/things', '{"name":"BODY-SECRET-TEXT"}', credentials);
        expect(created.status).toBe(201);
        await created.text();
        const postLine = await logs.requestLine(created.headers.get('x-trace-id') ?? '');
        // The auth hook ran after body parsing, still inside the request's context.
        expect(postLine).toMatchObject({
          route: '/things',
          status: 201,
          userHash: hmac('user-42'),
        });

        expect(logs.requestLines(traceId)).toHaveLength(1);
        for (const secret of [
          'acme-tenant-7',
          'user-42',
          'Bearer',
          'COOKIE-SECRET-VALUE',
          'APIKEY-SECRET-VALUE',
          'BODY-SECRET-TEXT',
        ]) {
          expect(logs.raw).not.toContain(secret);
        }
      });

      it('binds the request logger and spans to the trace', async () => {
        const { get, logs } = await start();
        const res = await get('/things/abc', credentials);
        const body = (await res.json()) as { spanId: string; tenantId: string };
        const traceId = res.headers.get('x-trace-id') ?? '';
        const [, , requestSpan] = TRACEPARENT_RE.exec(res.headers.get('traceparent') ?? '') ?? [];
        expect(body.tenantId).toBe('acme-tenant-7');
        const handlerLine = await logs.waitFor(
          (l) => l.msg === 'loading thing' && l.traceId === traceId,
        );
        expect(handlerLine).toMatchObject({
          spanId: requestSpan,
          tenantHash: hmac('acme-tenant-7'),
        });
        const spanLine = await logs.waitFor((l) => l.msg === 'span' && l.traceId === traceId);
        expect(spanLine).toMatchObject({
          span: 'load-thing',
          outcome: 'ok',
          spanId: body.spanId,
          parentSpanId: requestSpan,
        });
      });

      it('logs an aborted request once, as aborted', async () => {
        const { get, logs, gate } = await start();
        const controller = new AbortController();
        const pending = get('/slow', {}, controller.signal).catch((error: unknown) => error);
        await gate.entered;
        controller.abort();
        expect(await pending).toBeInstanceOf(Error);
        const line = await logs.waitFor((l) => l.msg === 'request' && l.aborted === true);
        expect(line).toMatchObject({ route: '/slow', status: 499 });
        gate.release();
      });
    });

    describe('errors', () => {
      it('keeps our error code, status, detail and headers as problem+json', async () => {
        const { get, logs } = await start();
        const res = await get('/fail/known');
        expect(res.status).toBe(503);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.headers.get('retry-after')).toBe('7');
        const traceId = res.headers.get('x-trace-id');
        expect(await res.json()).toMatchObject({
          code: 'BW_STORE_UNAVAILABLE',
          status: 503,
          detail: 'The store is not reachable.',
          instance: '/fail/known',
          traceId,
        });
        const line = await logs.requestLine(traceId ?? '');
        expect(line).toMatchObject({
          level: 50,
          route: '/fail/known',
          code: 'BW_STORE_UNAVAILABLE',
        });
      });

      it('turns a plain Error into an opaque 500 and logs it at error level', async () => {
        const { get, logs } = await start();
        const res = await get('/fail/plain');
        expect(res.status).toBe(500);
        const text = await res.text();
        expect(text).not.toContain('SECRET-INTERNAL-DETAIL');
        expect(text).not.toContain('db.ts');
        expect(JSON.parse(text)).toMatchObject({ code: 'BW_HTTP_INTERNAL', status: 500 });
        const line = await logs.requestLine(res.headers.get('x-trace-id') ?? '');
        expect(line).toMatchObject({ level: 50, status: 500, route: '/fail/plain' });
        expect((line.err as { message: string }).message).toBe(PLAIN_ERROR_MESSAGE);
      });

      it('answers an unknown route with a 404 problem logged as <unmatched>', async () => {
        const { get, logs } = await start();
        const res = await get('/no/such/thing?q=1');
        expect(res.status).toBe(404);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(await res.json()).toMatchObject({
          code: 'BW_HTTP_NOT_FOUND',
          instance: '/no/such/thing',
        });
        const line = await logs.requestLine(res.headers.get('x-trace-id') ?? '');
        expect(line).toMatchObject({ route: '<unmatched>', status: 404, level: 30 });
      });

      it('answers malformed JSON with 400 BW_HTTP_BAD_REQUEST, never echoing the body', async () => {
        const { post } = await start();
        const res = await post('/things', '{"name": SECRET-BODY');
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        const text = await res.text();
        expect(text).not.toContain('SECRET-BODY');
        expect(JSON.parse(text)).toMatchObject({ code: 'BW_HTTP_BAD_REQUEST', status: 400 });
      });

      it('answers a body that fails validation with 400 BW_HTTP_VALIDATION naming the field', async () => {
        const { post } = await start();
        for (const body of ['{"name": {"first": "Ada"}}', '{"title": "no name"}']) {
          const res = await post('/things', body);
          expect(res.status).toBe(400);
          const problem = (await res.json()) as { code: string; detail: string };
          expect(problem.code).toBe('BW_HTTP_VALIDATION');
          expect(problem.detail).toContain('name');
        }
      });
    });

    describe('health', () => {
      it('reports application/health+json and maps pass/warn/fail to 200/200/503', async () => {
        const { get, state } = await start();
        let res = await get('/health');
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^application\/health\+json/);
        const report = (await res.json()) as {
          status: string;
          serviceId: string;
          version: string;
          checks: Record<string, Array<Record<string, unknown>>>;
        };
        expect(report).toMatchObject({
          status: 'pass',
          serviceId: 'adapter-test',
          version: '1.2.3',
        });
        expect(Object.keys(report.checks).sort()).toEqual([
          'cache:reachable',
          'custom:state',
          'eventloop:lag',
          'sqlite:responseTime',
        ]);
        const [sqlite] = report.checks['sqlite:responseTime'] ?? [];
        expect(sqlite).toMatchObject({
          componentType: 'datastore',
          observedUnit: 'ms',
          status: 'pass',
        });
        expect(sqlite?.observedValue).toBeTypeOf('number');
        expect(new Date(String(sqlite?.time)).toISOString()).toBe(sqlite?.time);

        state.status = 'warn';
        res = await get('/health');
        expect([res.status, ((await res.json()) as { status: string }).status]).toEqual([
          200,
          'warn',
        ]);

        state.status = 'pass';
        state.optionalFails = true; // not critical: a failure is a warning
        res = await get('/health');
        const warned = (await res.json()) as typeof report;
        expect([res.status, warned.status]).toEqual([200, 'warn']);
        expect(warned.checks['cache:reachable']?.[0]).toMatchObject({
          status: 'warn',
          output: 'cache is down',
        });
        expect((await get('/ready')).status).toBe(200);

        state.status = 'fail';
        res = await get('/health');
        expect([res.status, ((await res.json()) as { status: string }).status]).toEqual([
          503,
          'fail',
        ]);
        expect((await get('/ready')).status).toBe(503);
        expect((await get('/live')).status).toBe(200);
      });

      it('fails /ready after its timeout when a check never answers', async () => {
        const { get } = await start({
          checks: [{ name: 'stuck:forever', timeoutMs: 150, check: () => new Promise(() => {}) }],
        });
        const res = await get('/ready');
        expect(res.status).toBe(503);
        const report = (await res.json()) as { checks: Record<string, Array<{ output: string }>> };
        expect(report.checks['stuck:forever']?.[0]?.output).toBe('no answer within 150 ms');
      });

      it('turns /ready to 503 as soon as shutdown begins, while /live stays 200', async () => {
        const { get, pipeline } = await start();
        expect((await get('/ready')).status).toBe(200);
        // Shut down through another server, so this one can still be asked.
        const other = createServer().listen(0, '127.0.0.1');
        await listening(other);
        const shutdown = pipeline.shutdown(other);
        expect(pipeline.shuttingDown).toBe(true);
        const ready = await get('/ready');
        expect(ready.status).toBe(503);
        expect(ready.headers.get('connection')).toBe('close');
        expect(await ready.json()).toMatchObject({ status: 'fail', output: 'shutting down' });
        expect((await get('/live')).status).toBe(200);
        expect(await shutdown).toBe(0);
      });

      it('lets an in-flight request finish on shutdown, then runs the closers and resolves 0', async () => {
        const { get, pipeline, gate, app, state, store } = await start();
        await (await get('/things/warm-up-keep-alive')).text();
        const slow = get('/slow');
        await gate.entered;
        const shutdown = pipeline.shutdown(app.server, { reason: 'test' });
        const ready = await get('/ready').then(
          (res) => res.status,
          () => 'refused',
        );
        expect([503, 'refused']).toContain(ready);
        expect(state.closed).toEqual([]);
        gate.release();
        const res = await slow;
        expect(res.status).toBe(200);
        expect(res.headers.get('connection')).toBe('close');
        expect(await res.json()).toEqual({ done: true });
        expect(await shutdown).toBe(0);
        expect(state.closed).toEqual(['app']);
        expect((await store.health()).ok).toBe(false); // closed by the pipeline
      });
    });

    describe('metrics and outgoing calls', () => {
      it('serves Prometheus text with the request histogram by route', async () => {
        const { get } = await start();
        await (await get('/things/abc')).text();
        const res = await get('/metrics');
        expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
        const text = await res.text();
        expect(text).toMatch(
          /http_server_request_duration_seconds_bucket\{[^}]*route="\/things\/:id"[^}]*status_class="2xx"/,
        );
        expect(text).toContain('http_server_requests_in_flight');
        expect(text).toMatch(
          /breakwater_span_duration_seconds_count\{name="load-thing",outcome="ok"\} 1/,
        );
        expect(text).toContain('process_cpu_user_seconds_total');
        expect(text).toContain('nodejs_eventloop_lag_seconds');
      });

      it('forwards traceparent on outgoing calls with the current trace and span', async () => {
        const { get } = await start();
        const res = await get('/outbound', { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` });
        const [, , spanId] = TRACEPARENT_RE.exec(res.headers.get('traceparent') ?? '') ?? [];
        expect(await res.json()).toEqual({ traceparent: `00-${TRACE_ID}-${spanId}-01` });
        expect(seen.at(-1)?.traceparent).toBe(`00-${TRACE_ID}-${spanId}-01`);
      });
    });
  });
}
