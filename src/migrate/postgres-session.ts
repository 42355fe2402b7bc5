import { createHash } from 'node:crypto';
import pg from 'pg';
import type { PostgresStore } from '../store/types.js';
import { waitForLock } from './lock-wait.js';
import type { Session, SessionOptions } from './session.js';

/** The advisory-lock key of a state table: 64 bits of SHA-256 over schema and table name. */
export function advisoryLockKey(schema: string | undefined, table: string): string {
  const digest = createHash('sha256')
    .update(`breakwater-migrate:${schema ?? 'public'}.${table}`)
    .digest();
  return digest.readBigInt64BE(0).toString();
}

/**
 * A session on one dedicated pooled client. With `lock`, a session-level advisory lock keyed
 * on schema and state table is held on that client for the whole run; it survives the
 * per-migration transactions and PostgreSQL frees it if the connection dies.
 */
export async function openPostgresSession(
  store: PostgresStore,
  options: SessionOptions,
): Promise<Session> {
  const client = await store.pool.connect();
  const key = advisoryLockKey(store.schema, options.table);
  let locked = false;
  let broken = false;
  const run = async <T>(sql: string, params?: unknown[]): Promise<T[]> => {
    try {
      const result = await client.query(sql, params);
      return (Array.isArray(result) ? [] : result.rows) as T[];
    } catch (error) {
      // Only a server-reported error leaves the connection usable; anything else drops it.
      if (!(error instanceof pg.DatabaseError)) broken = true;
      throw error;
    }
  };

  if (options.lock) {
    try {
      const tryLock = async () => {
        const sql = 'SELECT pg_try_advisory_lock($1::bigint) AS ok';
        const [row] = await run<{ ok: boolean }>(sql, [key]);
        return row?.ok === true;
      };
      await waitForLock(tryLock, `${store.schema ?? 'public'}.${options.table}`, options);
      locked = true;
    } catch (error) {
      client.release(broken);
      throw error;
    }
  }
  let released = false;

  return {
    dialect: 'postgres',
    exec: async (sql) => {
      await run(sql);
    },
    query: run,
    begin: async () => {
      await run('BEGIN');
    },
    commit: async () => {
      await run('COMMIT');
    },
    rollback: async () => {
      await run('ROLLBACK').catch(() => {});
    },
    release: async () => {
      if (released) return;
      released = true;
      if (locked && !broken) {
        await run('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => {
          broken = true; // closing the connection frees the lock instead
        });
      }
      // A migration's SET (lock_timeout, ...) must not follow the client back into the pool;
      // RESET keeps what the connection started with, such as the store's search_path.
      if (!broken) await run('RESET ALL').catch(() => {});
      client.release(broken);
    },
  };
}
