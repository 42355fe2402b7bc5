import pg from 'pg';
import { probe } from './health.js';
import type { PostgresStore } from './types.js';
import { redact } from './url.js';

export interface PostgresOptions {
  schema?: string | undefined;
  /** Pool size; default 10. */
  max?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
}

export const DEFAULT_POSTGRES_POOL_SIZE = 10;

/** Opens a pooled PostgreSQL store; connections are made lazily, on first use. */
export function openPostgres(
  connectionString: string,
  options: PostgresOptions = {},
): PostgresStore {
  const schema = options.schema;
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? DEFAULT_POSTGRES_POOL_SIZE,
    application_name: options.applicationName ?? 'breakwater',
    connectionTimeoutMillis: 5_000,
    // search_path for every connection of the pool, so each capability's SQL stays unqualified.
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client that loses its connection emits 'error' on the pool; without a listener
  // that would crash the process. The next checkout gets a fresh connection.
  pool.on('error', () => {});
  let closed: Promise<void> | undefined;

  return {
    kind: 'postgres',
    url:
      redact(connectionString) +
      (schema ? `${connectionString.includes('?') ? '&' : '?'}schema=${schema}` : ''),
    pool,
    connectionString,
    schema,
    transaction: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    health: (opts) => probe(() => pool.query('SELECT 1'), opts),
    close: () => {
      closed ??= pool.end();
      return closed;
    },
  };
}
