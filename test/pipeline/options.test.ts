import { afterEach, describe, expect, it, vi } from 'vitest';
import { hasCode } from '../../src/errors/breakwater-error.js';
import { errors } from '../../src/errors/registry.js';
import { createPipeline, type PipelineOptions } from '../../src/pipeline/index.js';
import { LogCapture } from '../http/log-capture.js';

const base: PipelineOptions = {
  service: 'svc',
  hashSecret: 'k',
  logLevel: 'silent',
  defaultMetrics: false,
};

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('createPipeline options', () => {
  it.each([
    [{ service: '' }, /service must be a non-empty string/],
    [{ hashSecret: '' }, /hashSecret is required/],
    [{ logLevel: 'loud' }, /log level "loud" is unknown/],
    [{ shutdownTimeoutMs: 0 }, /shutdownTimeoutMs must be a positive number/],
    [{ eventLoopLagThresholdMs: Number.NaN }, /eventLoopLagThresholdMs/],
    [{ paths: { live: 'live' } }, /paths.live must start with \//],
    [{ paths: { live: '/health' } }, /paths must be distinct/],
    [{ logBufferBytes: -1 }, /logBufferBytes must be an integer from 0 to 16384/],
    [{ logBufferBytes: 100_000 }, /logBufferBytes must be an integer from 0 to 16384/],
    [{ logFlushIntervalMs: 0 }, /logFlushIntervalMs must be a positive number/],
  ])('rejects %o with BW_CONFIG_INVALID', (override, message) => {
    let thrown: unknown;
    try {
      createPipeline({ ...base, ...override } as PipelineOptions);
    } catch (error) {
      thrown = error;
    }
    expect(hasCode(thrown, errors.CONFIG_INVALID)).toBe(true);
    expect((thrown as Error).message).toMatch(message);
  });

  it('takes the log level from LOG_LEVEL when the options leave it out', () => {
    vi.stubEnv('LOG_LEVEL', 'warn');
    const logs = new LogCapture();
    const { logLevel: _, ...rest } = base;
    const pipeline = createPipeline({ ...rest, logDestination: logs });
    pipeline.logger.info('hidden');
    pipeline.logger.warn('shown');
    expect(logs.lines.map((l) => l.msg)).toEqual(['shown']);
  });

  it('redacts credentials and bodies even when someone logs them', () => {
    const logs = new LogCapture();
    const pipeline = createPipeline({ ...base, logLevel: 'info', logDestination: logs });
    pipeline.logger.info(
      {
        req: {
          headers: { authorization: 'Bearer TOKEN-1', cookie: 'c=COOKIE-1', 'x-api-key': 'KEY-1' },
        },
        body: { card: 'BODY-1' },
        password: 'PASSWORD-1',
      },
      'careless',
    );
    for (const secret of ['TOKEN-1', 'COOKIE-1', 'KEY-1', 'BODY-1', 'PASSWORD-1']) {
      expect(logs.raw).not.toContain(secret);
    }
    expect(logs.lines[0]).toMatchObject({ password: '[redacted]', body: '[redacted]' });
  });

  it('uses a new registry per pipeline, or the one given, shared without clashes', async () => {
    const a = createPipeline(base);
    const b = createPipeline(base);
    expect(a.metrics.registry).not.toBe(b.metrics.registry);
    const shared = createPipeline({ ...base, registry: a.metrics.registry });
    expect(shared.metrics.registry).toBe(a.metrics.registry);
    expect(await a.metrics.registry.metrics()).toContain('http_server_requests_in_flight');
  });

  it('serves the probes under custom paths', async () => {
    const pipeline = createPipeline({ ...base, paths: { live: '/healthz' } });
    expect(pipeline.http.probeAt('GET', '/healthz')).toBe('live');
    expect(pipeline.http.probeAt('GET', '/live')).toBeUndefined();
    expect(pipeline.http.probeAt('POST', '/ready')).toBeUndefined();
    expect(pipeline.http.probeAt('HEAD', '/metrics')).toBe('metrics');
  });
});

describe('pipeline log lines and redaction', () => {
  it('keeps redaction on a 5xx request line that carries the error object', () => {
    const logs = new LogCapture();
    const pipeline = createPipeline({ ...base, logLevel: 'info', logDestination: logs });
    const scope = pipeline.http.begin({ method: 'GET' });
    const error = Object.assign(new Error('upstream failed'), {
      headers: { authorization: 'Bearer LEAKED-TOKEN' },
      password: 'LEAKED-PASSWORD',
    });
    scope.recordError(error);
    scope.finish({ status: 502, bytesOut: 0 });
    expect(logs.lines[0]).toMatchObject({ level: 50, msg: 'request', status: 502 });
    expect(logs.raw).not.toContain('LEAKED');
  });

  it('refuses an unknown spanLogLevel', () => {
    expect(() => createPipeline({ ...base, spanLogLevel: 'loud' as unknown as 'info' })).toThrow(
      /spanLogLevel must be one of/,
    );
  });
});
