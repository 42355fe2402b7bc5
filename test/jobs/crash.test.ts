import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JobQueue } from '../../src/jobs/queue.js';
import type { SqlStore } from '../../src/store/types.js';
import { cleanupBackends, describeBackends } from '../support/backends.js';
import { spawnTs } from '../support/processes.js';
import { exec, openJobs, waitFor } from './helpers.js';

afterAll(cleanupBackends);

const JOBS = 5_000;
const LEASE_MS = 1_500;
const FIXTURE = 'test/fixtures/jobs/crash-worker.ts';

interface Execution {
  job_id: number | string;
  worker_id: string;
  token: number | string;
  started_at: number | string;
}
interface AttemptRow {
  job_id: number | string;
  token: number | string;
  worker_id: string;
  started_at: number | string;
  outcome: string;
}

/** A worker process: the tsx wrapper we spawned, and the pid of the node process it runs. */
interface WorkerProcess {
  child: ChildProcess;
  pid: number;
}

/** Spawns a worker process and resolves once it printed "ready <id> <pid>". */
function startWorker(url: string, id: string, children: ChildProcess[]): Promise<WorkerProcess> {
  const child = spawnTs(FIXTURE, [url, id], { env: { LEASE_MS: String(LEASE_MS) } });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const ready = new RegExp(`ready ${id} (\\d+)`).exec(chunk.toString());
      if (ready) resolve({ child, pid: Number(ready[1]) });
    });
    child.on('exit', (code) =>
      reject(new Error(`worker ${id} exited (${code}) before ready: ${stderr}`)),
    );
  });
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

describeBackends('jobs survive SIGKILL', ['sqlite', 'postgres'], (backend) => {
  let store: SqlStore;
  let queue: JobQueue;
  let url: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    ({ store, queue, url } = await openJobs(backend));
    await exec(
      store,
      'CREATE TABLE crash_executions (job_id BIGINT NOT NULL, worker_id TEXT NOT NULL, token BIGINT NOT NULL, started_at BIGINT NOT NULL)',
    );
    await exec(
      store,
      'CREATE TABLE crash_effects (job_id BIGINT PRIMARY KEY, worker_id TEXT NOT NULL)',
    );
  });
  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    }
    await store.close();
  });

  const count = async (sql: string, params: unknown[] = []) =>
    Number(((await exec(store, sql, params))[0] as { n: number | string }).n);
  const completed = () =>
    count(`SELECT count(*) AS n FROM breakwater_jobs WHERE state = 'completed'`);
  const executionsBy = (worker: string) =>
    count('SELECT count(*) AS n FROM crash_executions WHERE worker_id = ?', [worker]);

  it('completes every job across three workers while one is SIGKILLed twice', async () => {
    for (let i = 0; i < JOBS; i += 1_000) {
      await queue.enqueueMany(
        Array.from({ length: 1_000 }, () => ({ name: 'crash', payload: { ms: 10 } })),
      );
    }
    const [a, b, c] = await Promise.all(
      ['A1', 'B', 'C'].map((id) => startWorker(url, id, children)),
    );
    const kills: Array<{ worker: string; at: number; remaining: number }> = [];
    // SIGKILL the node process running the worker (tsx runs it as its child).
    const kill = async (worker: WorkerProcess | undefined, name: string) => {
      process.kill(worker?.pid as number, 'SIGKILL');
      kills.push({ worker: name, at: Date.now(), remaining: JOBS - (await completed()) });
      await exited(worker?.child as ChildProcess);
    };

    // Kill mid-run, at a moment the victim is holding jobs.
    const holding = (worker: string) =>
      count(
        `SELECT count(*) AS n FROM breakwater_jobs WHERE state = 'processing' AND locked_by = ?`,
        [worker],
      );
    await waitFor(async () => (await completed()) >= 1_000, 30_000, '1,000 completed');
    await waitFor(async () => (await holding('A1')) > 0, 30_000, 'A1 to hold jobs');
    await kill(a, 'A1');
    const a2 = await startWorker(url, 'A2', children);
    await waitFor(async () => (await executionsBy('A2')) >= 100, 30_000, 'A2 to run 100 jobs');
    await waitFor(async () => (await holding('A2')) > 0, 30_000, 'A2 to hold jobs');
    await kill(a2, 'A2');
    await waitFor(async () => (await completed()) === JOBS, 45_000, 'every job completed');
    for (const worker of [b, c]) process.kill(worker?.pid as number, 'SIGTERM');
    expect(await Promise.all([b, c].map((w) => exited(w?.child as ChildProcess)))).toEqual([0, 0]);

    // Every job ended COMPLETED; none lost, none in another state.
    const states = await exec(
      store,
      'SELECT state, count(*) AS n FROM breakwater_jobs GROUP BY state',
    );
    expect(
      states.map((r) => [(r as { state: string }).state, Number((r as { n: number }).n)]),
    ).toEqual([['completed', JOBS]]);
    expect(await count('SELECT count(*) AS n FROM crash_effects')).toBe(JOBS);
    expect(kills.every((k) => k.remaining > 0)).toBe(true);

    // Duplicates: jobs executed more than once. Each extra execution must be an attempt of a
    // killed worker, started before its kill, whose lease was then lost.
    const executions = (await exec(store, 'SELECT * FROM crash_executions')) as Execution[];
    // Attempts that ended without completing are rows of their own; the completing attempt
    // is the job row itself.
    const attempts = (await exec(
      store,
      `SELECT job_id, token, worker_id, started_at, outcome FROM breakwater_job_attempts
       UNION ALL SELECT id, lease_token, locked_by, attempt_started_at, 'completed'
       FROM breakwater_jobs`,
    )) as AttemptRow[];
    const outcome = new Map(attempts.map((a) => [`${a.job_id}:${a.token}`, a]));
    const byJob = new Map<string, Execution[]>();
    for (const e of executions)
      byJob.set(String(e.job_id), [...(byJob.get(String(e.job_id)) ?? []), e]);
    expect(byJob.size).toBe(JOBS);
    const killedAt = new Map(kills.map((k) => [k.worker, k.at]));
    const duplicates = [...byJob.entries()].filter(([, list]) => list.length > 1);
    for (const [jobId, list] of duplicates) {
      const winners = list.filter(
        (e) => outcome.get(`${jobId}:${e.token}`)?.outcome === 'completed',
      );
      expect(winners).toHaveLength(1);
      for (const e of list.filter((x) => !winners.includes(x))) {
        expect(killedAt.has(e.worker_id)).toBe(true);
        expect(Number(e.started_at)).toBeLessThanOrEqual(killedAt.get(e.worker_id) as number);
        expect(outcome.get(`${jobId}:${e.token}`)?.outcome).toBe('lease_lost');
      }
    }
    // Only the killed workers ever lost a lease.
    const lost = attempts.filter((a) => a.outcome === 'lease_lost');
    expect(new Set(lost.map((a) => a.worker_id))).toEqual(new Set(['A1', 'A2']));

    // Recovery: from each kill until every job the dead worker held was claimed again.
    const recovery = kills.map((k) => {
      const orphans = lost.filter((a) => a.worker_id === k.worker);
      const reclaimed = orphans.map((o) => {
        const next = attempts
          .filter((a) => String(a.job_id) === String(o.job_id) && Number(a.token) > Number(o.token))
          .sort((x, y) => Number(x.token) - Number(y.token))[0];
        return Number(next?.started_at) - k.at;
      });
      return { worker: k.worker, inFlight: orphans.length, recoveryMs: Math.max(...reclaimed) };
    });
    process.stdout.write(
      `[${backend.kind}] ${JOBS} jobs, lease ${LEASE_MS} ms: ${duplicates.length} duplicate executions ` +
        `(all in flight at a kill); ${recovery.map((r) => `${r.worker}: ${r.inFlight} jobs in flight, all reclaimed ${r.recoveryMs} ms after SIGKILL`).join('; ')}\n`,
    );
    for (const r of recovery) {
      expect(r.inFlight).toBeGreaterThan(0);
      // Sanity bound only (lease + reap interval + poll, generously).
      expect(r.recoveryMs).toBeLessThan(15_000);
    }
  }, 120_000);
});
