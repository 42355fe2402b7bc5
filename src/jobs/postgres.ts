import type { PostgresStore } from '../store/types.js';
import { listSql, purgeIdsSql, redriveSql } from './admin-sql.js';
import type { NewJob } from './enqueue-options.js';
import { filterSql, listLimit, POSTGRES_DIALECT, whereClause } from './filter-sql.js';
import type { JobState } from './job.js';
import { insertJobs } from './postgres-insert.js';
import { leaseOperations } from './postgres-lease.js';
import { count, pgJob, type Queryable } from './postgres-query.js';
import { POSTGRES_SQL as SQL } from './postgres-sql.js';
import { type AttemptRow, history, type JobRow } from './row.js';
import type { EnqueuedJob, JobStore } from './store.js';

/** The PostgreSQL jobs store, plus enqueue on the caller's client inside its transaction. */
export interface PostgresJobStore extends JobStore {
  readonly kind: 'postgres';
  /** The NOTIFY channel that wakes this schema's workers. */
  readonly channel: string;
  /** For the LISTEN connection (credentials included: never log it). */
  readonly connectionString: string;
  readonly schema: string | undefined;
  /** Inserts on `client`; the NOTIFY is delivered when the caller's transaction commits. */
  insertIn(client: Queryable, jobs: readonly NewJob[]): Promise<EnqueuedJob[]>;
  /** The same store with a worker's operations other than claims on `pool`. */
  withLeasePool(pool: Queryable): PostgresJobStore;
}

const MAX_CHANNEL_LENGTH = 63;
const job = pgJob;

/** The NOTIFY channel for a schema (identifiers stop at 63 bytes). */
export function jobsChannel(schema: string | undefined): string {
  return `breakwater_jobs${schema ? `_${schema}` : ''}`.slice(0, MAX_CHANNEL_LENGTH);
}

/**
 * Jobs in PostgreSQL (the store's schema via search_path). Claims take a batch with
 * `FOR UPDATE SKIP LOCKED`, so workers never wait on each other; enqueue notifies workers.
 */
export function postgresJobStore(
  store: PostgresStore,
  leasePool: Queryable = store.pool as unknown as Queryable,
): PostgresJobStore {
  const pool = store.pool as unknown as Queryable;
  const channel = jobsChannel(store.schema);

  const insertIn = (client: Queryable, jobs: readonly NewJob[]) =>
    insertJobs(client, jobs, channel);

  const transaction = <T>(work: (client: Queryable) => Promise<T>): Promise<T> =>
    store.transaction((client) => work(client as unknown as Queryable));

  return {
    kind: 'postgres',
    channel,
    connectionString: store.connectionString,
    schema: store.schema,
    withLeasePool: (other) => postgresJobStore(store, other),
    insertIn,
    insert: (jobs) => insertIn(pool, jobs),
    ...leaseOperations(pool, leasePool),
    get: async (id) => {
      if (!/^\d{1,18}$/.test(id)) return undefined;
      const { rows } = await pool.query(SQL.get, [id]);
      if (rows.length === 0) return undefined;
      const attempts = (await pool.query(SQL.history, [id])).rows as AttemptRow[];
      return { ...job(rows[0]), history: history(attempts, rows[0] as JobRow) };
    },
    list: async (filter) => {
      const { conditions, values } = filterSql(filter, POSTGRES_DIALECT);
      const text = listSql(whereClause(conditions), `$${values.length + 1}`);
      return (await pool.query(text, [...values, listLimit(filter.limit)])).rows.map(job);
    },
    counts: async () =>
      (
        (await pool.query(SQL.counts)).rows as Array<{
          queue: string;
          state: string;
          count: number;
        }>
      ).map((row) => ({ queue: row.queue, state: row.state as JobState, count: row.count })),
    cancel: async (id, now) => {
      if (!/^\d{1,18}$/.test(id)) return undefined;
      const { rows } = await pool.query(SQL.cancel, [id, now]);
      return rows[0] === undefined ? undefined : job(rows[0]);
    },
    redrive: async (filter, now) => {
      const { conditions, values } = filterSql(filter, POSTGRES_DIALECT, 2);
      return (
        (await pool.query(redriveSql(POSTGRES_DIALECT, conditions), [now, now, ...values]))
          .rowCount ?? 0
      );
    },
    purge: (filter) =>
      transaction(async (client) => {
        const { conditions, values } = filterSql(filter, POSTGRES_DIALECT);
        const ids = (await client.query(`${purgeIdsSql(conditions)} FOR UPDATE`, values)).rows;
        if (ids.length === 0) return 0;
        return count(
          await client.query(SQL.deleteJobs, [ids.map((r) => (r as { id: string }).id)]),
        );
      }),
    sweep: (before, limit) =>
      transaction(async (client) => {
        const ids = (await client.query(SQL.sweep, [before, limit])).rows as Array<{ id: string }>;
        const deleted =
          ids.length === 0 ? 0 : count(await client.query(SQL.deleteJobs, [ids.map((r) => r.id)]));
        await client.query(SQL.sweepTicks, [before]);
        return deleted;
      }),
    tick: (schedule, tickAt, row) =>
      transaction(async (client) => {
        const claimed = await client.query(SQL.tick, [schedule, tickAt, row.createdAt]);
        if (claimed.rows.length === 0) return undefined;
        const [enqueued] = await insertIn(client, [row]);
        if (!enqueued) return undefined;
        await client.query(SQL.tickJob, [enqueued.id, schedule, tickAt]);
        const { deduplicated: _, ...plain } = enqueued;
        return plain;
      }),
    lastTick: async (schedule) => {
      const { rows } = await pool.query(SQL.lastTick, [schedule]);
      const value = (rows[0] as { t: string | null } | undefined)?.t;
      return value === null || value === undefined ? undefined : Number(value);
    },
  };
}
