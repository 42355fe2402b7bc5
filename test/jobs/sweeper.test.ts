import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JobQueue } from '../../src/jobs/queue.js';
import { createScheduler } from '../../src/jobs/scheduler.js';
import { startJobSweeper } from '../../src/jobs/sweeper.js';
import type { SqlStore } from '../../src/store/types.js';
import { cleanupBackends, describeBackends } from '../support/backends.js';
import { exec, manualClock, openJobs } from './helpers.js';

afterAll(cleanupBackends);

const HOUR = 60 * 60 * 1000;

describeBackends('job retention sweeper', ['sqlite', 'postgres'], (backend) => {
  const clock = manualClock(Date.parse('2024-05-01T00:00:30Z'));
  let store: SqlStore;
  let queue: JobQueue;

  beforeAll(async () => {
    ({ store, queue } = await openJobs(backend, { now: clock.now }));
  });
  afterAll(async () => {
    await store.close();
  });

  const complete = async (name: string) => {
    const job = await queue.enqueue(name, null);
    const [claimed] = await queue.store.claim({
      workerId: 'w',
      queues: ['default'],
      names: [name],
      limit: 1,
      now: clock.t,
      leaseMs: 1_000,
    });
    await queue.store.complete([
      { id: job.id, token: claimed?.leaseToken ?? 0, result: 'null', finishedAt: clock.t },
    ]);
    return job;
  };

  it('deletes completed jobs (and their attempts) after the retention, keeping dead letters and live jobs', async () => {
    const old = await complete('old');
    const cancelled = await queue.enqueue('cancel-me', null);
    await queue.cancel(cancelled.id);
    const waiting = await queue.enqueue('waiting', null);
    clock.advance(2 * HOUR);
    const recent = await complete('recent');
    const sweeper = startJobSweeper(queue, { completedRetentionMs: HOUR, batchSize: 1 });
    try {
      expect(await sweeper.sweep()).toBe(2);
    } finally {
      sweeper.stop();
    }
    await expect(queue.show(old.id)).rejects.toMatchObject({ code: 'BW_JOBS_NOT_FOUND' });
    await expect(queue.show(cancelled.id)).rejects.toMatchObject({ code: 'BW_JOBS_NOT_FOUND' });
    expect((await queue.show(recent.id)).state).toBe('completed');
    expect((await queue.show(waiting.id)).state).toBe('pending');
    const orphans = await exec(
      store,
      'SELECT job_id FROM breakwater_job_attempts WHERE job_id = ?',
      [Number(old.id)],
    );
    expect(orphans).toEqual([]);
  });

  it('deletes old cron tick rows but keeps the newest per schedule', async () => {
    const scheduler = createScheduler(queue, {
      schedules: [
        { name: 'hourly', cron: '0 * * * *', timezone: 'UTC', job: 'tick', missed: 'catch-up' },
      ],
      now: clock.now,
    });
    clock.t = Date.parse('2024-05-02T00:00:10Z');
    await scheduler.check();
    clock.advance(3 * HOUR);
    expect(await scheduler.check()).toHaveLength(3);
    clock.advance(10 * HOUR);
    const sweeper = startJobSweeper(queue, { completedRetentionMs: HOUR });
    await sweeper.sweep();
    sweeper.stop();
    const ticks = await exec(
      store,
      "SELECT tick_at FROM breakwater_job_ticks WHERE schedule = 'hourly'",
    );
    expect(
      ticks.map((t) => new Date(Number((t as { tick_at: number }).tick_at)).toISOString()),
    ).toEqual(['2024-05-02T03:00:00.000Z']);
  });
});
