import { Writable } from 'node:stream';
import type { CliIo } from '../../src/cli/io.js';
import { createJobQueue, type JobQueue, type JobQueueOptions } from '../../src/jobs/queue.js';
import type { EnqueuedJob } from '../../src/jobs/store.js';
import { migrateBreakwater } from '../../src/migrate/own.js';
import { openStore } from '../../src/store/open.js';
import type { SqlStore } from '../../src/store/types.js';
import type { Backend } from '../support/backends.js';
import { poll } from '../support/eventually.js';

/** A migrated store on an isolated file or schema, with a queue on it. */
export async function openJobs(
  backend: Backend,
  options: JobQueueOptions = {},
): Promise<{ store: SqlStore; queue: JobQueue; url: string }> {
  const url = await backend.url();
  const store = openStore(url) as SqlStore;
  await migrateBreakwater(store);
  return { store, queue: createJobQueue(store, options), url };
}

/** A hand-moved clock for deterministic run-at, backoff and lease tests. */
export function manualClock(start = 1_700_000_000_000) {
  const clock = { t: start, now: () => clock.t, advance: (ms: number) => (clock.t += ms) };
  return clock;
}

/** Polls `check` every 20 ms until it returns a truthy value or `timeoutMs` passes (then throws). */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<Exclude<NonNullable<T>, false | '' | 0>> {
  const value = await poll(check, Boolean, { timeoutMs, intervalMs: 20 });
  if (!value) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  return value as Exclude<NonNullable<T>, false | '' | 0>;
}

/** Runs SQL on either backend (test setup and side tables only). */
export async function exec(
  store: SqlStore,
  sql: string,
  params: unknown[] = [],
): Promise<unknown[]> {
  if (store.kind === 'sqlite') {
    const statement = store.db.prepare(sql);
    if (statement.reader) return statement.all(...params);
    statement.run(...params);
    return [];
  }
  const pgSql = sql.replace(
    /\?/g,
    (() => {
      let n = 0;
      return () => `$${++n}`;
    })(),
  );
  return (await store.pool.query(pgSql, params)).rows;
}

/** A CliIo that captures what the CLI writes. */
export function captureIo(env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, callback) {
        append(String(chunk));
        callback();
      },
    });
  const io: CliIo = {
    stdout: sink((t) => {
      out += t;
    }),
    stderr: sink((t) => {
      err += t;
    }),
    env,
    cwd: process.cwd(),
  };
  return { io, out: () => out, err: () => err };
}

/** A job that failed its only attempt with `error`: claimed by worker "w", then dead-lettered. */
export async function deadLetter(
  queue: JobQueue,
  name: string,
  queueName: string,
  error = 'Error: boom',
): Promise<EnqueuedJob> {
  const job = await queue.enqueue(name, { name }, { maxAttempts: 1, queue: queueName });
  const now = Date.now();
  const request = {
    workerId: 'w',
    queues: [queueName],
    names: [name],
    limit: 1,
    now,
    leaseMs: 5_000,
  };
  const [claimed] = await queue.store.claim(request);
  const hold = { id: job.id, token: claimed?.leaseToken ?? 0 };
  const failure = { error: `${error}\n  at handler`, lastError: error, finishedAt: now };
  await queue.store.fail({ ...hold, ...failure, next: { state: 'dead_letter' } });
  return job;
}
