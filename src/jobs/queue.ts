import type BetterSqlite3 from 'better-sqlite3';
import type { PostgresStore, SqliteStore, SqlStore } from '../store/types.js';
import { type EnqueueOptions, type NewJob, resolveEnqueue } from './enqueue-options.js';
import type { Job, JobDetail } from './job.js';
import { type JobOperations, jobOperations } from './operations.js';
import { type PostgresJobStore, postgresJobStore } from './postgres.js';
import type { Queryable } from './postgres-query.js';
import { type SqliteJobStore, sqliteJobStore } from './sqlite.js';
import type { EnqueuedJob, JobFilter, JobStore, StateCount } from './store.js';
import { type WakeBus, wakeBusFor } from './wake.js';

export interface JobQueueOptions {
  /** Epoch milliseconds; default Date.now. Run-at, backoff and leases all use it. */
  now?: () => number;
  /** The traceparent stored with a job when enqueue gives none (e.g. the current request's). */
  traceparent?: () => string | undefined;
}

/** One job of a bulk enqueue. */
export interface EnqueueItem<Payload = unknown> {
  name: string;
  payload?: Payload;
  options?: EnqueueOptions;
}

/** What every queue can do, whatever the backend. */
export interface JobQueueBase extends JobOperations {
  readonly kind: 'sqlite' | 'postgres';
  readonly store: JobStore;
  readonly now: () => number;
  /** The in-process wake-up its workers listen to. */
  readonly wake: WakeBus;
  /** Adds a job; with a live `dedupeKey` it returns the existing job (`deduplicated`). */
  enqueue<Payload>(
    name: string,
    payload?: Payload,
    options?: EnqueueOptions,
  ): Promise<EnqueuedJob<Payload>>;
  /** Adds many jobs in one transaction (one statement on PostgreSQL), in order. */
  enqueueMany(items: readonly EnqueueItem[]): Promise<EnqueuedJob[]>;
  get(id: string): Promise<JobDetail | undefined>;
  list(filter?: JobFilter): Promise<Job[]>;
  /** Pending, processing, retrying and dead-letter counts per queue. */
  counts(): Promise<StateCount[]>;
  /** The validated row an enqueue would insert (used by the scheduler). */
  prepare(name: string, payload: unknown, options?: EnqueueOptions): NewJob;
}

export interface SqliteJobQueue extends JobQueueBase {
  readonly kind: 'sqlite';
  readonly store: SqliteJobStore;
  /**
   * Enqueues inside the caller's transaction: pass the db that `store.transaction(fn)` hands
   * to `fn`. Synchronous, so the job exists if and only if that transaction commits.
   */
  enqueueIn<Payload>(
    db: BetterSqlite3.Database,
    name: string,
    payload?: Payload,
    options?: EnqueueOptions,
  ): EnqueuedJob<Payload>;
  enqueueManyIn(db: BetterSqlite3.Database, items: readonly EnqueueItem[]): EnqueuedJob[];
}

export interface PostgresJobQueue extends JobQueueBase {
  readonly kind: 'postgres';
  readonly store: PostgresJobStore;
  /**
   * Enqueues on the caller's client inside its transaction (BEGIN ... COMMIT): the job and
   * the workers' NOTIFY exist if and only if that transaction commits.
   */
  enqueueIn<Payload>(
    client: Queryable,
    name: string,
    payload?: Payload,
    options?: EnqueueOptions,
  ): Promise<EnqueuedJob<Payload>>;
  enqueueManyIn(client: Queryable, items: readonly EnqueueItem[]): Promise<EnqueuedJob[]>;
}

export type JobQueue = SqliteJobQueue | PostgresJobQueue;

/**
 * The durable job queue on a SQL store. Needs Breakwater's tables: `migrateBreakwater(store)`.
 * Nothing runs until a worker or scheduler is started on it.
 */
export function createJobQueue(store: SqliteStore, options?: JobQueueOptions): SqliteJobQueue;
export function createJobQueue(store: PostgresStore, options?: JobQueueOptions): PostgresJobQueue;
export function createJobQueue(store: SqlStore, options?: JobQueueOptions): JobQueue;
export function createJobQueue(store: SqlStore, options: JobQueueOptions = {}): JobQueue {
  const now = options.now ?? Date.now;
  const prepare = (name: string, payload: unknown, opts: EnqueueOptions = {}) =>
    resolveEnqueue(name, payload, opts, now(), options.traceparent);
  const rows = (items: readonly EnqueueItem[]) =>
    items.map((item) => prepare(item.name, item.payload, item.options));
  const jobStore = store.kind === 'sqlite' ? sqliteJobStore(store) : postgresJobStore(store);
  const wake = wakeBusFor(store.kind === 'sqlite' ? store.db : store.pool);
  const woke = <T extends readonly EnqueuedJob[]>(jobs: T): T => {
    for (const queue of new Set(jobs.filter((j) => !j.deduplicated).map((j) => j.queue))) {
      wake.emit({ type: 'enqueued', queue });
    }
    return jobs;
  };

  const base = {
    store: jobStore,
    now,
    wake,
    prepare,
    enqueue: async <Payload>(name: string, payload?: Payload, opts?: EnqueueOptions) => {
      const [job] = woke(await jobStore.insert([prepare(name, payload, opts)]));
      return job as EnqueuedJob<Payload>;
    },
    enqueueMany: async (items: readonly EnqueueItem[]) => woke(await jobStore.insert(rows(items))),
    get: (id: string) => jobStore.get(id),
    list: (filter: JobFilter = {}) => jobStore.list(filter),
    counts: () => jobStore.counts(),
    ...jobOperations(jobStore, now, wake),
  };

  if (jobStore.kind === 'sqlite') {
    const enqueueManyIn = (db: BetterSqlite3.Database, items: readonly EnqueueItem[]) =>
      woke(jobStore.insertIn(db, rows(items)));
    return {
      ...base,
      kind: 'sqlite',
      store: jobStore,
      enqueueManyIn,
      enqueueIn: <Payload>(
        db: BetterSqlite3.Database,
        name: string,
        payload?: Payload,
        opts?: EnqueueOptions,
      ) =>
        enqueueManyIn(db, [
          { name, payload, ...(opts ? { options: opts } : {}) },
        ])[0] as EnqueuedJob<Payload>,
    };
  }
  const pgStore = jobStore as PostgresJobStore;
  // No in-process wake here: the caller may still roll back; NOTIFY arrives on commit.
  const enqueueManyIn = (client: Queryable, items: readonly EnqueueItem[]) =>
    pgStore.insertIn(client, rows(items));
  return {
    ...base,
    kind: 'postgres',
    store: pgStore,
    enqueueManyIn,
    enqueueIn: async <Payload>(
      client: Queryable,
      name: string,
      payload?: Payload,
      opts?: EnqueueOptions,
    ) =>
      (
        await enqueueManyIn(client, [{ name, payload, ...(opts ? { options: opts } : {}) }])
      )[0] as EnqueuedJob<Payload>,
  };
}
