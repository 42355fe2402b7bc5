import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import type { JobQueue } from '../../src/jobs/queue.js';
import type { SqlStore } from '../../src/store/types.js';
import { cleanupBackends, describeBackends } from '../support/backends.js';
import { spawnTs } from '../support/processes.js';
import { captureIo, deadLetter, openJobs, waitFor } from './helpers.js';

afterAll(cleanupBackends);

describeBackends('breakwater jobs / worker CLI', ['sqlite', 'postgres'], (backend) => {
  let store: SqlStore;
  let queue: JobQueue;
  let url: string;
  const cli = async (...args: string[]) => {
    const { io, out, err } = captureIo({ BREAKWATER_STORE: url });
    const code = await runCli(args, io);
    return { code, out: out(), err: err() };
  };

  beforeAll(async () => {
    ({ store, queue, url } = await openJobs(backend));
  });
  afterAll(async () => {
    await store.close();
  });

  it('lists, shows, cancels, retries, redrives and purges, as text or JSON', async () => {
    const job = await queue.enqueue('report', { month: '2024-05' }, { queue: 'cli' });
    const listed = await cli('jobs', 'list', '--queue', 'cli');
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^ID\s+STATE\s+QUEUE\s+NAME/);
    expect(listed.out).toMatch(new RegExp(`${job.id}\\s+pending\\s+cli\\s+report\\s+1\\s+0/5`));
    const json = await cli('jobs', 'list', '--json', '--state', 'pending', '--queue', 'cli');
    expect(JSON.parse(json.out).jobs).toMatchObject([
      { id: job.id, payload: { month: '2024-05' } },
    ]);

    expect((await cli('jobs', 'cancel', job.id)).out).toBe(`job ${job.id} cancelled\n`);
    const shown = await cli('jobs', 'show', job.id);
    expect(shown.out).toMatch(/state\s+cancelled/);
    expect(shown.out).toMatch(/payload\s+\{"month":"2024-05"\}/);
    expect((await cli('jobs', 'retry', job.id, '--json')).out).toContain('"state": "pending"');

    const dead = await deadLetter(queue, 'report', 'cli-dlq', 'Error: nope');
    expect((await cli('jobs', 'dlq', '--queue', 'cli-dlq')).out).toMatch(
      /dead_letter.*Error: nope/,
    );
    expect((await cli('jobs', 'redrive', dead.id)).out).toBe('redriven 1 job(s)\n');
    expect((await cli('jobs', 'cancel', dead.id)).code).toBe(0);
    expect(
      (await cli('jobs', 'purge', '--state', 'cancelled', '--queue', 'cli-dlq', '--json')).out,
    ).toBe('{\n  "purged": 1\n}\n');
  });

  it('answers bad input with one line on stderr and a non-zero exit', async () => {
    const missing = await cli('jobs', 'show', '424242');
    expect(missing).toMatchObject({ code: 1, out: '' });
    expect(missing.err).toBe('breakwater: no job with id "424242" [BW_JOBS_NOT_FOUND]\n');
    const unbounded = await cli('jobs', 'redrive');
    expect(unbounded.code).toBe(1);
    expect(unbounded.err).toMatch(
      /^breakwater: redrive: give ids, a queue or a name, or all: true \[BW_JOBS_INVALID\]\n$/,
    );
    expect((await cli('jobs', 'list', '--state', 'melted')).code).toBe(2);
    const module = await cli('worker', 'test/fixtures/jobs/does-not-exist.ts');
    expect(module.code).toBe(1);
    expect(module.err.split('\n')).toHaveLength(2);
    expect(module.err).toMatch(/cannot load.*\[BW_JOBS_MODULE_INVALID\]/);
  });

  it('runs a module with `breakwater worker` until SIGTERM', async () => {
    const child = spawnTs(
      'src/cli/main.ts',
      ['worker', 'test/fixtures/jobs/cli-handlers.ts', '--poll-ms', '50'],
      {
        env: { BREAKWATER_STORE: url, LOG_LEVEL: 'info' },
      },
    );
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr?.on('data', (chunk) => process.stderr.write(chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const pid = await waitFor(
      () => /"pid":(\d+).*"msg":"worker ready"/.exec(out)?.[1],
      30_000,
      'worker ready',
    );
    const job = await queue.enqueue('cli-echo', { text: 'hi' });
    const done = await waitFor(async () => {
      const current = await queue.show(job.id);
      return current.state === 'completed' && current;
    });
    expect(done.result).toEqual({ echoed: 'hi', attempt: 1 });
    process.kill(Number(pid), 'SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toMatch(/"msg":"jobs worker stopped"/);
  });
});
