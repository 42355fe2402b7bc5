import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dueTicks, parseCron } from '../../src/jobs/cron-ticks.js';
import type { JobQueue } from '../../src/jobs/queue.js';
import { createScheduler } from '../../src/jobs/scheduler.js';
import type { SqlStore } from '../../src/store/types.js';
import { cleanupBackends, describeBackends } from '../support/backends.js';
import { spawnTs } from '../support/processes.js';
import { exec, manualClock, openJobs } from './helpers.js';

afterAll(cleanupBackends);

const at = (iso: string) => Date.parse(iso);

describe('due cron ticks', () => {
  const minutely = parseCron('* * * * *', 'UTC');
  const window = { graceMs: 60_000, maxCatchUp: 3 };

  it('enqueues the tick that just passed, and not one already done', () => {
    const now = at('2024-05-01T10:00:00.400Z');
    expect(
      dueTicks(minutely, { ...window, last: at('2024-05-01T09:59:00Z'), now, policy: 'skip' }),
    ).toEqual([at('2024-05-01T10:00:00Z')]);
    expect(
      dueTicks(minutely, { ...window, last: at('2024-05-01T10:00:00Z'), now, policy: 'skip' }),
    ).toEqual([]);
  });

  it('skips missed ticks, or catches up on a bounded number of them', () => {
    const now = at('2024-05-01T10:00:05Z');
    const last = at('2024-05-01T09:50:00Z');
    expect(dueTicks(minutely, { ...window, last, now, policy: 'skip' })).toEqual([
      at('2024-05-01T10:00:00Z'),
    ]);
    expect(dueTicks(minutely, { ...window, last, now, policy: 'catch-up' })).toEqual([
      at('2024-05-01T09:58:00Z'),
      at('2024-05-01T09:59:00Z'),
      at('2024-05-01T10:00:00Z'),
    ]);
  });

  it('never replays the past of a schedule that has no tick recorded', () => {
    const now = at('2024-05-01T10:03:00Z');
    expect(dueTicks(minutely, { ...window, last: undefined, now, policy: 'catch-up' })).toEqual([
      now,
    ]);
  });

  it('rejects a bad pattern with BW_JOBS_SCHEDULE_INVALID', () => {
    expect(() => parseCron('every day')).toThrow(
      expect.objectContaining({ code: 'BW_JOBS_SCHEDULE_INVALID' }),
    );
  });
});

describeBackends('cron schedules', ['sqlite', 'postgres'], (backend) => {
  let store: SqlStore;
  let queue: JobQueue;
  let url: string;

  beforeAll(async () => {
    ({ store, queue, url } = await openJobs(backend));
  });
  afterAll(async () => {
    await store.close();
  });

  it('enqueues once per tick however often it checks, and catches up after a gap', async () => {
    const clock = manualClock(at('2024-05-01T10:00:30Z'));
    const schedule = {
      name: 'hourly-report',
      cron: '0 * * * *',
      timezone: 'UTC',
      job: 'report',
      missed: 'catch-up' as const,
    };
    const make = () =>
      createScheduler(queue, {
        schedules: [{ ...schedule, payload: (t: Date) => t.toISOString() }],
        now: clock.now,
      });
    const [one, two] = [make(), make()];
    expect(await one.check()).toHaveLength(1);
    expect(await two.check()).toHaveLength(0);
    clock.advance(3 * 60 * 60 * 1000); // three hours with no scheduler running
    const caught = [...(await two.check()), ...(await one.check())];
    expect(caught.map((j) => j.payload)).toEqual([
      '2024-05-01T11:00:00.000Z',
      '2024-05-01T12:00:00.000Z',
      '2024-05-01T13:00:00.000Z',
    ]);
    expect((await queue.list({ name: 'report' })).length).toBe(4);
  });

  it('two scheduler processes enqueue exactly one job per second', async () => {
    const children: ChildProcess[] = [];
    const output: string[] = ['', ''];
    const ready = ['S1', 'S2'].map(
      (id, i) =>
        new Promise<number>((resolve, reject) => {
          const child = spawnTs('test/fixtures/jobs/scheduler-process.ts', [url, id]);
          children.push(child);
          child.stdout?.on('data', (chunk: Buffer) => {
            output[i] += chunk.toString();
            const match = new RegExp(`ready ${id} (\\d+)`).exec(output[i] ?? '');
            if (match) resolve(Number(match[1]));
          });
          child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
          child.on('exit', (code) => reject(new Error(`${id} exited early (${code})`)));
        }),
    );
    const pids = await Promise.all(ready);
    await new Promise((resolve) => setTimeout(resolve, 3_200));
    const exits = children.map((child) => new Promise((resolve) => child.once('exit', resolve)));
    for (const pid of pids) process.kill(pid, 'SIGTERM');
    expect(await Promise.all(exits)).toEqual([0, 0]);

    const ticks = (await exec(
      store,
      "SELECT tick_at, job_id FROM breakwater_job_ticks WHERE schedule = 'every-second' ORDER BY tick_at",
    )) as Array<{ tick_at: string | number; job_id: string | number }>;
    const jobs = await queue.list({ name: 'tick', limit: 1000 });
    const [won1 = 0, won2 = 0] = output.map((o) => Number(/won (\d+)/.exec(o)?.[1]));
    process.stdout.write(
      `[${backend.kind}] ${ticks.length} ticks in ~3 s, won by S1: ${won1}, S2: ${won2}\n`,
    );
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(jobs).toHaveLength(ticks.length);
    expect(new Set(jobs.map((j) => (j.payload as { tick: string }).tick)).size).toBe(ticks.length);
    expect(won1 + won2).toBe(ticks.length);
    const times = ticks.map((t) => Number(t.tick_at));
    for (let i = 1; i < times.length; i++)
      expect((times[i] as number) - (times[i - 1] as number)).toBe(1_000);
    expect(new Set(ticks.map((t) => String(t.job_id)))).toEqual(new Set(jobs.map((j) => j.id)));
  });
});
