import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { JobContext, JobLogger } from '../../src/jobs/handlers.js';
import { createJobQueue, type JobQueue } from '../../src/jobs/queue.js';
import { createWorker, type Worker } from '../../src/jobs/worker.js';
import type { WorkerOptions } from '../../src/jobs/worker-options.js';
import { openStore } from '../../src/store/open.js';
import type { SqlStore } from '../../src/store/types.js';
import { cleanupBackends, describeBackends } from '../support/backends.js';
import { openJobs, waitFor } from './helpers.js';

afterAll(cleanupBackends);

/** A logger that keeps every line with the bindings of its child chain. */
function captureLogger(
  lines: Array<Record<string, unknown>>,
  bindings: Record<string, unknown> = {},
): JobLogger {
  const log = (level: string) => (obj: unknown, msg?: string) =>
    lines.push({
      level,
      ...bindings,
      ...(typeof obj === 'object' ? obj : { msg: obj }),
      ...(msg ? { msg } : {}),
    });
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (more) => captureLogger(lines, { ...bindings, ...more }),
  };
}

describeBackends('job worker', ['sqlite', 'postgres'], (backend) => {
  let store: SqlStore;
  let queue: JobQueue;
  const workers: Worker[] = [];
  const start = async (queueName: string, options: Omit<WorkerOptions, 'queues'>) => {
    const worker = createWorker(queue, {
      pollIntervalMs: 20,
      leaseMs: 1_000,
      ...options,
      queues: [queueName],
    });
    workers.push(worker);
    await worker.start();
    return worker;
  };

  beforeAll(async () => {
    ({ store, queue } = await openJobs(backend));
  });
  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.stop({ timeoutMs: 100 });
  });
  afterAll(async () => {
    await store.close();
  });

  it('runs a handler with payload, progress, a traced logger, and stores its result', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    let seen: JobContext | undefined;
    await start('ctx', {
      logger: captureLogger(lines),
      handlers: {
        greet: async (payload: { who: string }, context: JobContext<{ who: string }>) => {
          seen = context as JobContext;
          await context.progress(40);
          await context.progress(100);
          context.logger.info('greeting');
          return { greeting: `hello ${payload.who}` };
        },
      },
    });
    const job = await queue.enqueue('greet', { who: 'ada' }, { queue: 'ctx', traceparent });
    const done = await waitFor(async () => {
      const current = await queue.show(job.id);
      return current.state === 'completed' && current;
    });
    expect(done).toMatchObject({
      result: { greeting: 'hello ada' },
      progress: 100,
      attempts: 1,
      traceparent,
    });
    expect(done.history).toMatchObject([{ outcome: 'completed', attempt: 1 }]);
    expect(seen?.signal.aborted).toBe(false);
    expect(seen?.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(lines.find((l) => l.msg === 'greeting')).toMatchObject({
      jobId: job.id,
      job: 'greet',
      queue: 'ctx',
      attempt: 1,
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentSpanId: '00f067aa0ba902b7',
    });
  });

  it('retries with backoff into the dead-letter queue, then a redrive completes', async () => {
    let failing = true;
    const delays: number[] = [];
    await start('retry', {
      handlers: {
        flaky: {
          handler: async () => {
            if (failing) throw new Error('downstream unavailable');
            return 'ok';
          },
          backoff: (attempt) => {
            delays.push(attempt);
            return 30 * attempt;
          },
        },
      },
    });
    const job = await queue.enqueue('flaky', null, { queue: 'retry', maxAttempts: 3 });
    const dead = await waitFor(async () => {
      const current = await queue.show(job.id);
      return current.state === 'dead_letter' && current;
    });
    expect(delays).toEqual([1, 2]);
    expect(dead.attempts).toBe(3);
    expect(dead.lastError).toBe('Error: downstream unavailable');
    expect(dead.history.map((h) => h.outcome)).toEqual(['failed', 'failed', 'failed']);
    expect(dead.history.every((h) => h.error?.includes('downstream unavailable'))).toBe(true);
    // The retries waited for their backoff: each attempt started after the previous ended.
    const [first, second, third] = dead.history;
    expect(
      (second?.startedAt.getTime() ?? 0) - (first?.finishedAt?.getTime() ?? 0),
    ).toBeGreaterThanOrEqual(25);
    expect(
      (third?.startedAt.getTime() ?? 0) - (second?.finishedAt?.getTime() ?? 0),
    ).toBeGreaterThanOrEqual(55);
    expect((await queue.deadLetters({ queue: 'retry' })).map((j) => j.id)).toEqual([job.id]);

    failing = false;
    expect(await queue.redrive({ queue: 'retry' })).toBe(1);
    const done = await waitFor(async () => {
      const current = await queue.show(job.id);
      return current.state === 'completed' && current;
    });
    expect(done.result).toBe('ok');
    expect(done.history).toHaveLength(4);
    expect(await queue.deadLetters({ queue: 'retry' })).toEqual([]);
  });

  it('times out an attempt, aborting its signal', async () => {
    const reasons: unknown[] = [];
    await start('timeout', {
      handlers: {
        slow: (_payload: unknown, { signal }: JobContext) =>
          new Promise((_, reject) => {
            signal.addEventListener('abort', () => {
              reasons.push(signal.reason);
              reject(signal.reason);
            });
          }),
      },
    });
    const job = await queue.enqueue('slow', null, {
      queue: 'timeout',
      timeoutMs: 50,
      maxAttempts: 1,
    });
    const dead = await waitFor(async () => {
      const current = await queue.show(job.id);
      return current.state === 'dead_letter' && current;
    });
    expect(reasons).toMatchObject([{ code: 'BW_JOBS_TIMEOUT' }]);
    expect(dead.lastError).toMatch(/timed out after 50 ms/);
  });

  it('aborts a running job that is cancelled', async () => {
    const reasons: unknown[] = [];
    let started = false;
    await start('cancel', {
      handlers: {
        long: (_payload: unknown, { signal }: JobContext) =>
          new Promise((_, reject) => {
            started = true;
            signal.addEventListener('abort', () => {
              reasons.push(signal.reason);
              reject(signal.reason);
            });
          }),
      },
    });
    const job = await queue.enqueue('long', null, { queue: 'cancel' });
    await waitFor(() => started);
    await queue.cancel(job.id);
    await waitFor(() => reasons.length > 0);
    expect(reasons).toMatchObject([{ code: 'BW_JOBS_CANCELLED' }]);
    const cancelled = await queue.show(job.id);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.history.map((h) => h.outcome)).toEqual(['cancelled']);
  });

  it('on stop, lets short jobs finish, then aborts and releases the rest uncounted', async () => {
    let finished = 0;
    const reasons: unknown[] = [];
    const worker = await start('shutdown', {
      concurrency: 4,
      abortGraceMs: 200,
      handlers: {
        quick: async () => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          finished++;
        },
        stuck: (_payload: unknown, { signal }: JobContext) =>
          new Promise((_, reject) =>
            signal.addEventListener('abort', () => {
              reasons.push(signal.reason);
              reject(signal.reason);
            }),
          ),
      },
    });
    const quick = await queue.enqueue('quick', null, { queue: 'shutdown' });
    const stuck = await queue.enqueue('stuck', null, { queue: 'shutdown' });
    await waitFor(async () => (await queue.show(stuck.id)).state === 'processing');
    await worker.stop({ timeoutMs: 300 });
    expect(finished).toBe(1);
    expect((await queue.show(quick.id)).state).toBe('completed');
    expect(reasons).toMatchObject([{ code: 'BW_JOBS_SHUTDOWN' }]);
    const released = await queue.show(stuck.id);
    expect(released).toMatchObject({ state: 'pending', attempts: 0, lockedBy: null });
    expect(released.history.map((h) => h.outcome)).toEqual(['released']);
  });

  it('claims only jobs it has handlers for, and only from its queues', async () => {
    const ran: string[] = [];
    await start('mine', { handlers: { known: async (p: string) => void ran.push(p) } });
    const other = await queue.enqueue('unknown', 'x', { queue: 'mine' });
    const elsewhere = await queue.enqueue('known', 'y', { queue: 'not-mine' });
    const mine = await queue.enqueue('known', 'z', { queue: 'mine' });
    await waitFor(async () => (await queue.show(mine.id)).state === 'completed');
    expect(ran).toEqual(['z']);
    expect((await queue.show(other.id)).state).toBe('pending');
    expect((await queue.show(elsewhere.id)).state).toBe('pending');
  });
});

describeBackends('job worker LISTEN', ['postgres'], (backend) => {
  it('wakes on NOTIFY without polling, and again after its LISTEN connection is killed', async () => {
    const { store, queue, url } = await openJobs(backend);
    // Enqueue through another store, so the in-process wake-up cannot help.
    const other = openStore(url) as SqlStore;
    const producer = createJobQueue(other);
    const worker = createWorker(queue, {
      pollIntervalMs: 600_000,
      handlers: { ping: async () => 'pong' },
    });
    const completed = (id: string) => async () => (await queue.show(id)).state === 'completed';
    try {
      await worker.start();
      const first = await producer.enqueue('ping', null);
      await waitFor(completed(first.id), 5_000, 'the first job via NOTIFY');
      if (store.kind !== 'postgres' || queue.kind !== 'postgres') throw new Error('postgres only');
      const { rows } = await store.pool.query(
        'SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE query = $1',
        [`LISTEN "${queue.store.channel}"`],
      );
      expect(rows).toEqual([{ killed: true }]);
      const second = await producer.enqueue('ping', null);
      await waitFor(completed(second.id), 10_000, 'the second job after the listener reconnected');
    } finally {
      await worker.stop();
      await other.close();
      await store.close();
    }
  });
});
