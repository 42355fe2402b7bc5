import pg from 'pg';
import type { PostgresJobStore } from './postgres.js';
import type { Queryable } from './postgres-query.js';

/**
 * A small pool for a worker's bookkeeping on PostgreSQL (heartbeats, completions, failures,
 * releases, progress, reaps) whose transactions commit without waiting for the WAL flush
 * (`synchronous_commit = off`). A database crash can lose the last moments of those writes;
 * each loss only means a job runs again (delivery is at least once anyway). Claims and
 * enqueues stay synchronous: a claim's fencing token must survive a crash, and a synchronous
 * commit also makes every earlier asynchronous one durable.
 */
export function openLeasePool(
  store: PostgresJobStore,
  size = 3,
): { store: PostgresJobStore; close(): Promise<void> } {
  const settings = ['-c synchronous_commit=off'];
  if (store.schema) settings.unshift(`-c search_path=${store.schema}`);
  const pool = new pg.Pool({
    connectionString: store.connectionString,
    max: size,
    application_name: 'breakwater-jobs-worker',
    connectionTimeoutMillis: 5_000,
    options: settings.join(' '),
  });
  pool.on('error', () => {});
  return {
    store: store.withLeasePool(pool as unknown as Queryable),
    close: () => pool.end(),
  };
}
