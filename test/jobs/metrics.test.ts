import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/jobs/backoff.js';
import { afterFailure } from '../../src/jobs/failure.js';
import { jobsHealthCheck } from '../../src/jobs/health.js';
import { registerDepthMetrics } from '../../src/jobs/metrics.js';
import type { JobQueue } from '../../src/jobs/queue.js';
import { createWorker } from '../../src/jobs/worker.js';
import type { SqlStore } from '../../src/store/types.js';
import { cleanupBackends, describeBackends } from '../support/backends.js';
import { openJobs, waitFor } from './helpers.js';

afterAll(cleanupBackends);

describe('backoff', () => {
  it('grows exponentially up to the cap, with jitter taking off at most its fraction', () => {
    const options = { type: 'exponential' as const, baseMs: 100, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay({ ...options, jitter: 0 }, n))).toEqual([
      100, 200, 400, 800, 1_000,
    ]);
    expect(backoffDelay(options, 3, () => 0)).toBe(400);
    expect(backoffDelay(options, 3, () => 1)).toBe(200);
    expect(backoffDelay({ type: 'fixed', delayMs: 250 }, 9)).toBe(250);
  });

  it('retries while attempts remain, then dead-letters; the job backoff wins', () => {
    const job = { attempts: 2, maxAttempts: 3, backoff: null };
    expect(afterFailure(job, new Error('x'), 1_000, (n) => n * 10)).toEqual({
      state: 'retrying',
      runAt: 1_020,
    });
    expect(
      afterFailure({ ...job, backoff: { type: 'fixed', delayMs: 5 } }, null, 1_000, () => 99),
    ).toEqual({
      state: 'retrying',
      runAt: 1_005,
    });
    expect(afterFailure({ ...job, attempts: 3 }, null, 1_000, undefined)).toEqual({
      state: 'dead_letter',
    });
    expect(afterFailure(job, null, 1_000, undefined, () => 0)).toEqual({
      state: 'retrying',
      runAt: 3_000,
    });
  });
});

describeBackends('job metrics and health', ['sqlite', 'postgres'], (backend) => {
  let store: SqlStore;
  let queue: JobQueue;

  beforeAll(async () => {
    ({ store, queue } = await openJobs(backend));
  });
  afterAll(async () => {
    await store.close();
  });

  it('exports depth by queue and state, DLQ size, durations, attempts and failures', async () => {
    const registry = new Registry();
    registerDepthMetrics(registry, () => queue.counts(), { cacheMs: 0 });
    await queue.enqueueMany([
      { name: 'ok', options: { queue: 'm' } },
      { name: 'bad', options: { queue: 'm', maxAttempts: 1 } },
      { name: 'later', options: { queue: 'm2', delayMs: 60_000 } },
    ]);
    const worker = createWorker(queue, {
      queues: ['m'],
      registry,
      pollIntervalMs: 20,
      handlers: { ok: async () => 1, bad: async () => Promise.reject(new Error('no')) },
    });
    await worker.start();
    await waitFor(
      async () => (await queue.list({ queue: 'm', state: 'dead_letter' })).length === 1,
    );
    await waitFor(async () => (await queue.list({ queue: 'm', state: 'completed' })).length === 1);
    await worker.stop();
    const text = await registry.metrics();
    expect(text).toContain('breakwater_jobs{queue="m2",state="pending"} 1');
    expect(text).toContain('breakwater_jobs{queue="m",state="dead_letter"} 1');
    expect(text).toContain('breakwater_jobs_dead_letter{queue="m"} 1');
    expect(text).toContain('breakwater_job_attempts_total{queue="m",name="ok"} 1');
    expect(text).toContain('breakwater_job_failures_total{queue="m",name="bad",final="true"} 1');
    expect(text).toMatch(
      /breakwater_job_duration_seconds_count\{queue="m",name="ok",outcome="completed"\} 1/,
    );
  });

  it('warns when dead letters or a queue backlog pass their thresholds', async () => {
    const check = jobsHealthCheck(queue, { maxDeadLetters: 1, maxDepth: 2 });
    expect(check.critical).toBe(false);
    expect(await check.check(new AbortController().signal)).toMatchObject({ status: 'pass' });
    await queue.enqueueMany([1, 2, 3].map(() => ({ name: 'x', options: { queue: 'deep' } })));
    const deep = await check.check(new AbortController().signal);
    expect(deep).toMatchObject({
      status: 'warn',
      output: 'queue "deep" has 3 waiting jobs (over 2)',
    });
    const lenient = jobsHealthCheck(queue);
    expect(await lenient.check(new AbortController().signal)).toMatchObject({
      status: 'pass',
      observedValue: { deadLetters: 1, deepestQueue: 3 },
    });
  });
});
