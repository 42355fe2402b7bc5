import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCode } from '../../src/errors/breakwater-error.js';
import { errors } from '../../src/errors/registry.js';
import { resolveEnqueue } from '../../src/jobs/enqueue-options.js';
import { Priority } from '../../src/jobs/job.js';
import { createJobQueue, type JobQueue } from '../../src/jobs/queue.js';
import { pipelineTraceparent } from '../../src/jobs/trace.js';
import type { SqlStore } from '../../src/store/types.js';
import { cleanupBackends, describeBackends } from '../support/backends.js';
import { manualClock, openJobs } from './helpers.js';

afterAll(cleanupBackends);

const claimOne = (queue: JobQueue, now: number, workerId = 'w1') =>
  queue.store.claim({
    workerId,
    queues: ['default'],
    names: ['a', 'b'],
    limit: 1,
    now,
    leaseMs: 5_000,
  });

describe('enqueue options', () => {
  const resolve = (options: Parameters<typeof resolveEnqueue>[2]) =>
    resolveEnqueue('a', { x: 1 }, options, 1_000, undefined);

  it('fills in defaults', () => {
    expect(resolve({})).toMatchObject({
      queue: 'default',
      priority: 1,
      runAt: 1_000,
      maxAttempts: 5,
      backoff: null,
      dedupeKey: null,
      payload: '{"x":1}',
    });
    expect(resolve({ delayMs: 500, maxRetries: 0, priority: 'critical' })).toMatchObject({
      runAt: 1_500,
      maxAttempts: 1,
      priority: Priority.CRITICAL,
    });
  });

  it.each([
    [{ priority: 7 }, /priority/],
    [{ priority: 'urgent' as 'high' }, /priority/],
    [{ runAt: 5, delayMs: 5 }, /not both/],
    [{ maxAttempts: 0 }, /maxAttempts/],
    [{ maxAttempts: 2, maxRetries: 1 }, /not both/],
    [{ backoff: { type: 'exponential' as const, jitter: 2 } }, /jitter/],
    [{ timeoutMs: -1 }, /timeoutMs/],
    [{ queue: '' }, /queue/],
  ])('rejects %j with BW_JOBS_INVALID', (options, message) => {
    let caught: unknown;
    try {
      resolve(options);
    } catch (error) {
      caught = error;
    }
    expect(hasCode(caught, errors.JOBS_INVALID)).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });

  it('rejects payloads that are not JSON and keeps only valid traceparents', () => {
    expect(() => resolveEnqueue('a', { n: 1n }, {}, 0, undefined)).toThrow(/JSON/);
    const valid = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(resolveEnqueue('a', 1, {}, 0, () => valid).traceparent).toBe(valid);
    expect(resolveEnqueue('a', 1, { traceparent: 'junk' }, 0, undefined).traceparent).toBeNull();
  });
});

describeBackends('job queue', ['sqlite', 'postgres'], (backend) => {
  const clock = manualClock();
  let store: SqlStore;
  let queue: JobQueue;

  beforeAll(async () => {
    ({ store, queue } = await openJobs(backend, { now: clock.now }));
  });
  afterAll(async () => {
    await store.close();
  });

  it('claims by priority, then run-at, then FIFO, and not before run-at', async () => {
    const t = clock.t;
    const low = await queue.enqueue('a', 'low', { priority: 'low' });
    const normal1 = await queue.enqueue('a', 'normal-1');
    const critical = await queue.enqueue('b', 'critical', { priority: Priority.CRITICAL });
    const normal2 = await queue.enqueue('a', 'normal-2');
    const earlier = await queue.enqueue('a', 'normal-earlier', { runAt: t - 1_000 });
    const later = await queue.enqueue('a', 'high-later', { priority: 'high', delayMs: 60_000 });
    const order: string[] = [];
    for (;;) {
      const [job] = await claimOne(queue, clock.t);
      if (!job) break;
      order.push(String(job.payload));
    }
    expect(order).toEqual(['critical', 'normal-earlier', 'normal-1', 'normal-2', 'low']);
    expect([low, normal1, critical, normal2, earlier].every((j) => !j.deduplicated)).toBe(true);
    clock.advance(60_000);
    const [due] = await claimOne(queue, clock.t);
    expect(due?.id).toBe(later.id);
    expect(due).toMatchObject({ state: 'processing', attempts: 1, leaseToken: 1, lockedBy: 'w1' });
  });

  it('returns the live job for a dedupe key, and frees the key when the job finishes', async () => {
    const first = await queue.enqueue('a', { n: 1 }, { dedupeKey: 'export:org_1', queue: 'q2' });
    const second = await queue.enqueue('a', { n: 2 }, { dedupeKey: 'export:org_1', queue: 'q2' });
    expect(second).toMatchObject({ id: first.id, deduplicated: true, payload: { n: 1 } });
    await queue.cancel(first.id);
    const third = await queue.enqueue('a', { n: 3 }, { dedupeKey: 'export:org_1', queue: 'q2' });
    expect(third.deduplicated).toBe(false);
    expect(third.id).not.toBe(first.id);
  });

  it('enqueues many in order, deduplicating within the batch and against live jobs', async () => {
    const jobs = await queue.enqueueMany([
      { name: 'a', payload: 1, options: { queue: 'bulk' } },
      { name: 'a', payload: 2, options: { queue: 'bulk', dedupeKey: 'bulk-k' } },
      { name: 'b', payload: 3, options: { queue: 'bulk', priority: 'high' } },
      { name: 'a', payload: 4, options: { queue: 'bulk', dedupeKey: 'bulk-k' } },
      { name: 'a', payload: 5, options: { queue: 'bulk' } },
    ]);
    expect(jobs.map((j) => j.payload)).toEqual([1, 2, 3, 2, 5]);
    expect(jobs.map((j) => j.deduplicated)).toEqual([false, false, false, true, false]);
    expect(jobs[3]?.id).toBe(jobs[1]?.id);
    const ids = jobs.filter((j) => !j.deduplicated).map((j) => Number(j.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    const listed = await queue.list({ queue: 'bulk' });
    expect(listed.map((j) => j.payload)).toEqual([5, 3, 2, 1]);
    expect(await queue.list({ queue: 'bulk', name: 'b' })).toHaveLength(1);
  });

  it('enqueues inside the caller transaction: rolled back means no job', async () => {
    const marker = { tx: Math.random() };
    if (queue.kind === 'sqlite' && store.kind === 'sqlite') {
      const [q, sqlite] = [queue, store];
      expect(() =>
        sqlite.transaction((db) => {
          q.enqueueIn(db, 'a', marker, { queue: 'tx' });
          throw new Error('business write failed');
        }),
      ).toThrow('business write failed');
      const kept = sqlite.transaction((db) => q.enqueueIn(db, 'a', marker, { queue: 'tx' }));
      expect(kept.deduplicated).toBe(false);
    } else if (queue.kind === 'postgres' && store.kind === 'postgres') {
      const [q, postgres] = [queue, store];
      await expect(
        postgres.transaction(async (client) => {
          await q.enqueueIn(client, 'a', marker, { queue: 'tx' });
          throw new Error('business write failed');
        }),
      ).rejects.toThrow('business write failed');
      await postgres.transaction((client) => q.enqueueIn(client, 'a', marker, { queue: 'tx' }));
    }
    const jobs = await queue.list({ queue: 'tx' });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.payload).toEqual(marker);
  });

  it('cancels live jobs and refuses finished or unknown ones', async () => {
    const job = await queue.enqueue('a', null, { queue: 'cancel' });
    const cancelled = await queue.cancel(job.id);
    expect(cancelled).toMatchObject({ state: 'cancelled' });
    expect(cancelled.finishedAt).not.toBeNull();
    await expect(queue.cancel(job.id)).rejects.toMatchObject({ code: 'BW_JOBS_INVALID_STATE' });
    await expect(queue.cancel('999999')).rejects.toMatchObject({ code: 'BW_JOBS_NOT_FOUND' });
    await expect(queue.show('nope')).rejects.toMatchObject({ code: 'BW_JOBS_NOT_FOUND' });
    const retried = await queue.retry(job.id);
    expect(retried).toMatchObject({ state: 'pending', attempts: 0 });
    await expect(queue.retry(job.id)).rejects.toMatchObject({ code: 'BW_JOBS_INVALID_STATE' });
  });

  it("stores the current request's trace with the job, from the pipeline", async () => {
    let current:
      | { traceId: string; spanId: string; traceFlags: string; startedAt: number }
      | undefined;
    const traced = createJobQueue(store, {
      traceparent: pipelineTraceparent({ context: () => current }),
    });
    expect((await traced.enqueue('a', null, { queue: 'trace' })).traceparent).toBeNull();
    current = {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: '01',
      startedAt: 0,
    };
    const job = await traced.enqueue('a', null, { queue: 'trace' });
    expect(job.traceparent).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect((await traced.show(job.id)).traceparent).toBe(job.traceparent);
  });

  it('refuses an unbounded redrive or purge unless told "all"', async () => {
    await expect(queue.redrive({})).rejects.toMatchObject({ code: 'BW_JOBS_INVALID' });
    await expect(queue.purge({})).rejects.toMatchObject({ code: 'BW_JOBS_INVALID' });
    await expect(queue.purge({ all: true, state: 'pending' as 'completed' })).rejects.toMatchObject(
      {
        code: 'BW_JOBS_INVALID',
      },
    );
    expect(await queue.redrive({ all: true })).toBeGreaterThanOrEqual(0);
  });
});
