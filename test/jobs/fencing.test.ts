import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JobQueue } from '../../src/jobs/queue.js';
import { createWorker, type Worker } from '../../src/jobs/worker.js';
import type { SqlStore } from '../../src/store/types.js';
import { cleanupBackends, describeBackends } from '../support/backends.js';
import { spawnTs } from '../support/processes.js';
import { manualClock, openJobs, waitFor } from './helpers.js';

afterAll(cleanupBackends);

const LEASE = 1_000;

describeBackends('job leases and fencing', ['sqlite', 'postgres'], (backend) => {
  const clock = manualClock();
  let store: SqlStore;
  let queue: JobQueue;
  const claim = (workerId: string, queueName: string) =>
    queue.store.claim({
      workerId,
      queues: [queueName],
      names: ['work'],
      limit: 10,
      now: clock.t,
      leaseMs: LEASE,
    });

  beforeAll(async () => {
    ({ store, queue } = await openJobs(backend, { now: clock.now }));
  });
  afterAll(async () => {
    await store.close();
  });

  it("rejects a stale worker's late completion once its lease was lost and retaken", async () => {
    const job = await queue.enqueue('work', { n: 1 }, { queue: 'fence' });
    const [a] = await claim('worker-a', 'fence');
    expect(a).toMatchObject({ id: job.id, leaseToken: 1, attempts: 1 });
    const holdA = { id: job.id, token: a?.leaseToken ?? 0 };

    // A heartbeats once, then stalls past its lease; nobody can take the job before then.
    clock.advance(LEASE / 2);
    expect(await queue.store.heartbeat('worker-a', clock.t, LEASE)).toEqual([holdA]);
    clock.advance(LEASE - 1);
    expect(await queue.store.reap(clock.t, 100)).toBe(0);
    clock.advance(2);
    expect(await queue.store.reap(clock.t, 100)).toBe(1);
    expect((await queue.show(job.id)).state).toBe('retrying');

    const [b] = await claim('worker-b', 'fence');
    expect(b).toMatchObject({ id: job.id, leaseToken: 2, attempts: 2, lockedBy: 'worker-b' });
    const holdB = { id: job.id, token: b?.leaseToken ?? 0 };

    // A wakes up and tries every write it could make: all are no-ops.
    const finishedAt = clock.t;
    expect(await queue.store.complete([{ ...holdA, result: '"from A"', finishedAt }])).toEqual(
      new Set(),
    );
    expect(await queue.store.progress(holdA, 99, clock.t)).toBe(false);
    expect(
      await queue.store.fail({
        ...holdA,
        error: 'x',
        lastError: 'x',
        finishedAt,
        next: { state: 'dead_letter' },
      }),
    ).toBe(false);
    expect(await queue.store.release([holdA], clock.t)).toBe(0);
    expect(await queue.store.heartbeat('worker-a', clock.t, LEASE)).toEqual([]);
    expect((await queue.show(job.id)).state).toBe('processing');

    expect(await queue.store.complete([{ ...holdB, result: '"from B"', finishedAt }])).toEqual(
      new Set([job.id]),
    );
    const done = await queue.show(job.id);
    expect(done).toMatchObject({ state: 'completed', result: 'from B', leaseToken: 2 });
    expect(done.history.map((h) => [h.workerId, h.outcome])).toEqual([
      ['worker-a', 'lease_lost'],
      ['worker-b', 'completed'],
    ]);
    expect(done.history[0]?.error).toMatch(/lease expired/);
  });

  it('sends a job whose lease lapsed on its last attempt to the dead-letter queue', async () => {
    const job = await queue.enqueue('work', null, { queue: 'fence-dead', maxAttempts: 1 });
    await claim('worker-a', 'fence-dead');
    clock.advance(LEASE + 1);
    expect(await queue.store.reap(clock.t, 100)).toBe(1);
    const dead = await queue.show(job.id);
    expect(dead).toMatchObject({ state: 'dead_letter', attempts: 1 });
    expect(dead.history).toHaveLength(1);
    expect(await claim('worker-b', 'fence-dead')).toEqual([]);
  });

  it('releases without counting the attempt, and the next claim gets a new token', async () => {
    const job = await queue.enqueue('work', null, { queue: 'fence-release' });
    const [a] = await claim('worker-a', 'fence-release');
    expect(await queue.store.release([{ id: job.id, token: a?.leaseToken ?? 0 }], clock.t)).toBe(1);
    expect(await queue.show(job.id)).toMatchObject({
      state: 'pending',
      attempts: 0,
      lockedBy: null,
    });
    const [b] = await claim('worker-b', 'fence-release');
    expect(b).toMatchObject({ attempts: 1, leaseToken: 2 });
    expect((await queue.show(job.id)).history.map((h) => h.outcome)).toEqual([
      'released',
      'running',
    ]);
  });
});

describeBackends('a stale worker process', ['sqlite', 'postgres'], (backend) => {
  it('cannot overwrite the newer attempt after it was frozen past its lease', async () => {
    const { store, queue, url } = await openJobs(backend);
    const stale = spawnTs('test/fixtures/jobs/stall-worker.ts', [url]);
    let out = '';
    stale.stdout?.on('data', (chunk) => {
      out += chunk;
    });
    const exited = new Promise((resolve) => stale.once('exit', resolve));
    let fresh: Worker | undefined;
    try {
      const job = await queue.enqueue('slow', null);
      const pid = Number(
        await waitFor(() => /started (\d+)/.exec(out)?.[1], 30_000, 'the stale worker to start'),
      );
      process.kill(pid, 'SIGSTOP');
      fresh = createWorker(queue, {
        workerId: 'fresh',
        leaseMs: 1_000,
        pollIntervalMs: 50,
        handlers: { slow: async () => ({ by: 'fresh' }) },
      });
      await fresh.start();
      await waitFor(
        async () => (await queue.show(job.id)).state === 'completed',
        15_000,
        'takeover',
      );
      process.kill(pid, 'SIGCONT');
      // Its handler ignores the abort and returns: that late completion is refused.
      const refused = /warn job completed after its lease was lost; result discarded \(fenced\)/;
      await waitFor(() => refused.test(out), 15_000, 'the stale completion to be refused');
      const done = await queue.show(job.id);
      expect(done.result).toEqual({ by: 'fresh' });
      expect(done.history.map((a) => [a.workerId, a.outcome])).toEqual([
        ['stale', 'lease_lost'],
        ['fresh', 'completed'],
      ]);
      stale.kill('SIGTERM');
      process.kill(pid, 'SIGTERM');
      await exited;
    } finally {
      await fresh?.stop();
      if (stale.exitCode === null) stale.kill('SIGKILL');
      await store.close();
    }
  }, 60_000);
});
