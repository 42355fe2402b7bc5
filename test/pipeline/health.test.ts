import { afterAll, describe, expect, it } from 'vitest';
import {
  buildReport,
  createPipeline,
  type HealthCheck,
  runCheck,
  storeCheck,
  worstStatus,
} from '../../src/pipeline/index.js';
import { openStore } from '../../src/store/open.js';
import { cleanupBackends, describeBackends } from '../support/backends.js';

const now = () => Date.parse('2030-01-02T03:04:05.000Z');

describe('runCheck', () => {
  it('passes when the check resolves with nothing, and stamps the time', async () => {
    const outcome = await runCheck({ name: 'a:b', check: async () => {} }, now);
    expect(outcome).toEqual({
      componentType: 'component',
      status: 'pass',
      time: '2030-01-02T03:04:05.000Z',
    });
  });

  it('keeps what the check reports', async () => {
    const check: HealthCheck = {
      name: 'queue:depth',
      componentId: 'jobs',
      componentType: 'queue',
      check: async () => ({
        status: 'warn',
        observedValue: 900,
        observedUnit: 'jobs',
        output: 'deep',
      }),
    };
    expect(await runCheck(check, now)).toMatchObject({
      componentId: 'jobs',
      componentType: 'queue',
      status: 'warn',
      observedValue: 900,
      observedUnit: 'jobs',
      output: 'deep',
    });
  });

  it('fails a throwing check with the first line of its message; warns if not critical', async () => {
    const failing = { name: 'x:y', check: async () => Promise.reject(new Error('down\nstack')) };
    expect(await runCheck(failing, now)).toMatchObject({ status: 'fail', output: 'down' });
    expect(await runCheck({ ...failing, critical: false }, now)).toMatchObject({ status: 'warn' });
  });

  it('fails a check that never answers after its timeout and aborts its signal', async () => {
    let signal: AbortSignal | undefined;
    const outcome = await runCheck(
      {
        name: 'slow:probe',
        timeoutMs: 50,
        check: (s) => {
          signal = s;
          return new Promise(() => {});
        },
      },
      now,
    );
    expect(outcome).toMatchObject({ status: 'fail', output: 'no answer within 50 ms' });
    expect(signal?.aborted).toBe(true);
  });

  it('rejects malformed checks at registration', () => {
    const pipeline = createPipeline({
      service: 's',
      hashSecret: 'k',
      logLevel: 'silent',
      defaultMetrics: false,
    });
    expect(() => pipeline.addCheck({ name: '', check: async () => {} })).toThrow(/non-empty name/);
    expect(() => pipeline.addCheck({ name: 'a:b', timeoutMs: 0, check: async () => {} })).toThrow(
      /timeoutMs/,
    );
  });
});

describe('health report', () => {
  it('groups by name and takes the worst status', () => {
    const outcome = (status: 'pass' | 'warn' | 'fail') => ({
      componentType: 'c',
      status,
      time: 't',
    });
    const report = buildReport(
      [
        ['db:responseTime', outcome('pass')],
        ['db:responseTime', outcome('warn')],
        ['cache:up', outcome('pass')],
      ],
      { serviceId: 'svc' },
    );
    expect(report.status).toBe('warn');
    expect(report.checks['db:responseTime']).toHaveLength(2);
    expect(worstStatus(['pass', 'fail', 'warn'])).toBe('fail');
    expect(worstStatus([])).toBe('pass');
  });
});

describeBackends('store health checks', ['sqlite', 'postgres', 'redis'], (backend) => {
  afterAll(cleanupBackends);

  it('reports the store as <kind>:responseTime in ms, and fail once closed', async () => {
    const store = openStore(await backend.url());
    const pipeline = createPipeline({
      service: 's',
      hashSecret: 'k',
      logLevel: 'silent',
      stores: [store],
      defaultMetrics: false,
    });
    try {
      let answer = await pipeline.http.probe('health');
      let report = JSON.parse(answer.body);
      expect(answer.status).toBe(200);
      expect(report.checks[`${backend.kind}:responseTime`][0]).toMatchObject({
        componentType: 'datastore',
        observedUnit: 'ms',
        status: 'pass',
      });
      expect((await pipeline.http.probe('ready')).status).toBe(200);

      await store.close();
      answer = await pipeline.http.probe('ready');
      report = JSON.parse(answer.body);
      expect(answer.status).toBe(503);
      expect(report.checks[`${backend.kind}:responseTime`][0].status).toBe('fail');
    } finally {
      await store.close();
    }
  });

  it('a storeCheck can be added by hand with its own timeout', async () => {
    const store = openStore(await backend.url());
    try {
      const check = storeCheck(store, 500);
      expect(check).toMatchObject({ name: `${backend.kind}:responseTime`, timeoutMs: 500 });
      expect((await runCheck(check, now)).status).toBe('pass');
    } finally {
      await store.close();
    }
  });
});
