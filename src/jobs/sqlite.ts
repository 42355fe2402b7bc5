import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteStore } from '../store/types.js';
import { listSql, purgeIdsSql, redriveSql } from './admin-sql.js';
import type { NewJob } from './enqueue-options.js';
import { filterSql, listLimit, SQLITE_DIALECT, whereClause } from './filter-sql.js';
import type { Job, JobState } from './job.js';
import {
  type AttemptRow,
  byClaimOrder,
  type HeldRow,
  history,
  type JobRow,
  LEASE_LAPSED,
  parseJsonText,
  toJob,
} from './row.js';
import { SQLITE_SQL } from './sqlite-sql.js';
import type { EnqueuedJob, Hold, JobStore, StateCount } from './store.js';

type Db = BetterSqlite3.Database;
type Statements = Record<keyof typeof SQLITE_SQL, BetterSqlite3.Statement>;

/** The SQLite jobs store, plus synchronous enqueue inside the caller's transaction. */
export interface SqliteJobStore extends JobStore {
  readonly kind: 'sqlite';
  /** The store's connection: wake-ups are shared by every queue on it. */
  readonly db: Db;
  /** Inserts on `db` (the one `store.transaction` hands out) without a transaction of its own. */
  insertIn(db: Db, jobs: readonly NewJob[]): EnqueuedJob[];
}

const job = (row: unknown) => toJob(row as JobRow, parseJsonText);
const validId = (id: string) => /^\d{1,18}$/.test(id);

/**
 * Jobs in the SQLite store's file. Every write that must be atomic across processes is one
 * BEGIN IMMEDIATE transaction (claims: one UPDATE ... WHERE id IN (SELECT ... LIMIT n)
 * RETURNING), so several worker processes on one host never take the same job twice.
 */
export function sqliteJobStore(store: SqliteStore): SqliteJobStore {
  const db = store.db;
  const cache = new WeakMap<Db, Statements>();
  // Prepared on first use, per connection, so the store can exist before the migration.
  const sql = (on: Db = db): Statements => {
    let prepared = cache.get(on);
    if (!prepared) {
      prepared = Object.fromEntries(
        Object.entries(SQLITE_SQL).map(([name, text]) => [name, on.prepare(text)]),
      ) as Statements;
      cache.set(on, prepared);
    }
    return prepared;
  };
  const immediate = <A extends unknown[], R>(fn: (...args: A) => R) => {
    const tx = db.transaction(fn);
    return (...args: A): R => tx.immediate(...args);
  };

  /** Records the attempt `row` held, which `at` ended with `outcome`. */
  const log = (row: HeldRow, outcome: string, at: number, error: string | null = null) =>
    sql().logAttempt.run({
      id: row.id,
      token: row.lease_token,
      workerId: row.locked_by,
      startedAt: row.attempt_started_at,
      at,
      outcome,
      error,
    });
  /** Ends a held attempt with `update` and records it; false when the hold was fenced out. */
  const end = (hold: Hold, update: () => number, outcome: string, at: number, error?: string) => {
    const row = sql().held.get({ id: hold.id, token: hold.token }) as HeldRow | undefined;
    if (!row || update() !== 1) return false;
    log(row, outcome, at, error);
    return true;
  };

  const insertIn = (on: Db, jobs: readonly NewJob[]): EnqueuedJob[] =>
    jobs.map((row) => {
      const inserted = sql(on).insert.get(row);
      if (inserted) return { ...job(inserted), deduplicated: false };
      // The key is held by a live job; it cannot finish meanwhile (we hold the write lock).
      return { ...job(sql(on).liveByKey.get(row.dedupeKey)), deduplicated: true };
    });
  const insert = immediate((jobs: readonly NewJob[]) => insertIn(db, jobs));

  const claimParams = (r: Parameters<JobStore['claim']>[0]) => ({
    workerId: r.workerId,
    expires: r.now + r.leaseMs,
    now: r.now,
    queues: JSON.stringify(r.queues),
    names: JSON.stringify(r.names),
    limit: r.limit,
  });
  const claim = immediate((params: ReturnType<typeof claimParams>): Job[] =>
    sql().claim.all(params).map(job).sort(byClaimOrder),
  );

  const complete = immediate((items: Parameters<JobStore['complete']>[0], remove: boolean) => {
    const accepted = new Set<string>();
    for (const { id, token, result, finishedAt: at } of items) {
      if (remove) {
        if (sql().completeRemove.run({ id, token }).changes !== 1) continue;
        sql().deleteJobAttempts.run(id);
      } else if (sql().complete.run({ id, token, result, at }).changes !== 1) continue;
      accepted.add(id);
    }
    return accepted;
  });

  const fail = immediate((item: Parameters<JobStore['fail']>[0]): boolean => {
    const at = item.finishedAt;
    const next = item.next;
    const update = () =>
      sql().fail.run({
        id: item.id,
        token: item.token,
        state: next.state,
        runAt: next.state === 'retrying' ? next.runAt : null,
        lastError: item.lastError,
        at,
        finishedAt: next.state === 'dead_letter' ? at : null,
      }).changes;
    return end(item, update, 'failed', at, item.error);
  });

  const release = immediate((holds: readonly Hold[], at: number) => {
    const update = (hold: Hold) => () => sql().release.run({ ...hold, at }).changes;
    return holds.filter((hold) => end(hold, update(hold), 'released', at)).length;
  });

  const reap = immediate((at: number, limit: number) => {
    const lapsed = sql().lapsed.all(at, limit) as HeldRow[];
    const update = (row: HeldRow) => () =>
      sql().reap.run({ id: row.id, token: row.lease_token, at, error: LEASE_LAPSED }).changes;
    return lapsed.filter((row) => {
      const hold = { id: String(row.id), token: Number(row.lease_token) };
      return end(hold, update(row), 'lease_lost', at, LEASE_LAPSED);
    }).length;
  });

  const cancel = immediate((id: string, now: number): Job | undefined => {
    const live = sql().live.get(Number(id)) as (HeldRow & { state: string }) | undefined;
    if (!live) return undefined;
    const cancelled = job(sql().cancel.get({ id: Number(id), now }));
    if (live.state === 'processing') log(live, 'cancelled', now);
    return cancelled;
  });

  const deleteJobs = (ids: number[]): number => {
    if (ids.length === 0) return 0;
    sql().deleteAttempts.run(JSON.stringify(ids));
    return sql().deleteJobs.run(JSON.stringify(ids)).changes;
  };
  const purge = immediate((conditions: string[], values: unknown[]) =>
    deleteJobs(
      db
        .prepare(purgeIdsSql(conditions))
        .pluck()
        .all(...values) as number[],
    ),
  );
  const sweep = immediate((before: number, limit: number) => {
    const deleted = deleteJobs(sql().sweep.pluck().all(before, limit) as number[]);
    sql().sweepTicks.run({ before });
    return deleted;
  });
  const tick = immediate((schedule: string, tickAt: number, row: NewJob): Job | undefined => {
    if (sql().tick.run(schedule, tickAt, row.createdAt).changes === 0) return undefined;
    const [enqueued] = insertIn(db, [row]);
    if (!enqueued) return undefined;
    sql().tickJob.run(Number(enqueued.id), schedule, tickAt);
    const { deduplicated: _, ...plain } = enqueued;
    return plain;
  });

  return {
    kind: 'sqlite',
    db,
    insertIn,
    insert: async (jobs) => insert(jobs),
    claim: async (request) => {
      const params = claimParams(request);
      const { queues, names, now } = params;
      return sql().ready.get({ queues, names, now }) === undefined ? [] : claim(params);
    },
    heartbeat: async (workerId, now, leaseMs) =>
      (
        sql().heartbeat.all({ workerId, expires: now + leaseMs }) as Array<{
          id: number;
          lease_token: number;
        }>
      ).map((row) => ({ id: String(row.id), token: row.lease_token })),
    complete: async (items, remove = false) =>
      items.length === 0 ? new Set() : complete(items, remove),
    fail: async (item) => fail(item),
    release: async (holds, now) => (holds.length === 0 ? 0 : release(holds, now)),
    progress: async (hold, value, now) =>
      sql().progress.run({ ...hold, value, at: now }).changes === 1,
    // A read first, so an idle worker does not take the write lock every reap interval.
    reap: async (now, limit) => (sql().lapsed.all(now, 1).length === 0 ? 0 : reap(now, limit)),
    get: async (id) => {
      const row = validId(id) ? (sql().get.get(Number(id)) as JobRow | undefined) : undefined;
      if (!row) return undefined;
      const attempts = sql().history.all(Number(id)) as AttemptRow[];
      return { ...job(row), history: history(attempts, row) };
    },
    list: async (filter) => {
      const { conditions, values } = filterSql(filter, SQLITE_DIALECT);
      const text = listSql(whereClause(conditions), '?');
      return db
        .prepare(text)
        .all(...values, listLimit(filter.limit))
        .map(job);
    },
    counts: async () =>
      (sql().counts.all() as Array<{ queue: string; state: string; count: number }>).map(
        (row): StateCount => ({ queue: row.queue, state: row.state as JobState, count: row.count }),
      ),
    cancel: async (id, now) => (validId(id) ? cancel(id, now) : undefined),
    redrive: async (filter, now) => {
      const { conditions, values } = filterSql(filter, SQLITE_DIALECT);
      return db.prepare(redriveSql(SQLITE_DIALECT, conditions)).run(now, now, ...values).changes;
    },
    purge: async (filter) => {
      const { conditions, values } = filterSql(filter, SQLITE_DIALECT);
      return purge(conditions, values);
    },
    sweep: async (before, limit) => sweep(before, limit),
    tick: async (schedule, tickAt, row) => tick(schedule, tickAt, row),
    lastTick: async (schedule) =>
      (sql().lastTick.get(schedule) as { t: number | null } | undefined)?.t ?? undefined,
  };
}
