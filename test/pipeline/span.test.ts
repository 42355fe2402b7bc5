import { describe, expect, it } from 'vitest';
import { capturedPipeline } from '../http/log-capture.js';

// Span lines are debug by default; these tests read them at info.
const make = () => capturedPipeline({ service: 'span-test', spanLogLevel: 'info' });

describe('withSpan', () => {
  it('nests spans under the request and restores the context after each', async () => {
    const { pipeline, logs } = make();
    const scope = pipeline.http.begin({ method: 'GET' });
    const request = scope.context;
    const seen: Record<string, unknown> = {};
    await scope.run(async () => {
      await pipeline.withSpan('outer', async (outer) => {
        expect(outer.traceId).toBe(request.traceId);
        expect(pipeline.context()).toMatchObject({
          spanId: outer.spanId,
          parentSpanId: request.spanId,
        });
        seen.outer = outer.spanId;
        await pipeline.withSpan('inner', async (inner) => {
          seen.inner = inner.spanId;
          expect(pipeline.context()).toMatchObject({
            traceId: request.traceId,
            spanId: inner.spanId,
            parentSpanId: outer.spanId,
          });
          pipeline.log().info('inside inner');
        });
        expect(pipeline.context()?.spanId).toBe(outer.spanId);
      });
      expect(pipeline.context()?.spanId).toBe(request.spanId);
    });
    expect(pipeline.context()).toBeUndefined();

    const spans = logs.lines.filter((l) => l.msg === 'span');
    // The inner span ends first.
    expect(spans.map((l) => [l.span, l.spanId, l.parentSpanId, l.traceId, l.outcome])).toEqual([
      ['inner', seen.inner, seen.outer, request.traceId, 'ok'],
      ['outer', seen.outer, request.spanId, request.traceId, 'ok'],
    ]);
    for (const span of spans) expect(span.durationMs).toBeTypeOf('number');
    expect(logs.lines.find((l) => l.msg === 'inside inner')).toMatchObject({
      traceId: request.traceId,
      spanId: seen.inner,
    });
  });

  it('records a failure as outcome error, rethrows it and feeds the histogram', async () => {
    const { pipeline, logs } = make();
    const scope = pipeline.http.begin({ method: 'GET' });
    await scope.run(async () => {
      await expect(
        pipeline.withSpan('charge', async () => {
          throw new TypeError('card declined for 4111-1111');
        }),
      ).rejects.toThrow(TypeError);
      expect(await pipeline.withSpan('charge', () => 42)).toBe(42);
    });
    const failed = logs.lines.find((l) => l.msg === 'span' && l.outcome === 'error');
    expect(failed).toMatchObject({ level: 40, span: 'charge', error: 'TypeError' });
    expect(logs.raw).not.toContain('4111-1111');
    const text = await pipeline.metrics.registry.metrics();
    expect(text).toMatch(
      /breakwater_span_duration_seconds_count\{name="charge",outcome="error"\} 1/,
    );
    expect(text).toMatch(/breakwater_span_duration_seconds_count\{name="charge",outcome="ok"\} 1/);
  });

  it('identity set inside a span reaches the request', async () => {
    const { pipeline } = make();
    const scope = pipeline.http.begin({ method: 'GET' });
    await scope.run(() =>
      pipeline.withSpan('auth', () => pipeline.setIdentity({ tenantId: 't1', userId: 'u1' })),
    );
    expect(scope.context).toMatchObject({ tenantId: 't1', userId: 'u1' });
  });

  it('outside a request starts a new trace', async () => {
    const { pipeline, logs } = make();
    const span = await pipeline.withSpan('job', (s) => s);
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    const line = logs.lines.find((l) => l.msg === 'span');
    expect(line).toMatchObject({ traceId: span.traceId, spanId: span.spanId });
    expect(line?.parentSpanId).toBeUndefined();
  });

  it('logs successful spans at debug by default, failed ones at warn, and counts them all', async () => {
    const quiet = capturedPipeline({ service: 'span-test' });
    const scope = quiet.pipeline.http.begin({ method: 'GET' });
    await scope.run(async () => {
      await quiet.pipeline.withSpan('db.read', () => 1);
      await quiet.pipeline
        .withSpan('db.write', () => Promise.reject(new RangeError('x')))
        .catch(() => undefined);
    });
    const spans = quiet.logs.lines.filter((l) => l.msg === 'span');
    expect(spans.map((l) => [l.span, l.level])).toEqual([['db.write', 40]]);
    const text = await quiet.pipeline.metrics.registry.metrics();
    expect(text).toMatch(/breakwater_span_duration_seconds_count\{name="db.read",outcome="ok"\} 1/);

    const verbose = capturedPipeline({ service: 'span-test', logLevel: 'debug' });
    await verbose.pipeline.withSpan('db.read', () => 1);
    expect(verbose.logs.lines.find((l) => l.msg === 'span')).toMatchObject({
      level: 20,
      span: 'db.read',
      outcome: 'ok',
    });
  });

  it('follows a later change of the root logger level for its own lines', async () => {
    const { pipeline, logs } = capturedPipeline({ service: 'span-test' });
    await pipeline.withSpan('before', () => 1);
    pipeline.logger.level = 'debug';
    await pipeline.withSpan('after', () => 1);
    pipeline.logger.level = 'warn';
    const scope = pipeline.http.begin({ method: 'GET' });
    scope.finish({ status: 200, bytesOut: 0 });
    expect(logs.lines.map((l) => l.span ?? l.msg)).toEqual(['after']);
  });
});
