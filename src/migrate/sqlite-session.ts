import Database from 'better-sqlite3';
import type { SqliteStore } from '../store/types.js';
import { waitForLock } from './lock-wait.js';
import type { Session, SessionOptions } from './session.js';

/** The sidecar file whose exclusive transaction is the migration lock of a SQLite database. */
export function sqliteLockPath(dbPath: string): string {
  return `${dbPath}.migrate-lock`;
}

/**
 * A session on the store's own connection. With `lock`, a second connection to the sidecar
 * file holds `BEGIN EXCLUSIVE` for the whole run; the OS drops it if the process dies.
 * `:memory:` databases are private to the process and need no lock.
 */
export async function openSqliteSession(
  store: SqliteStore,
  options: SessionOptions,
): Promise<Session> {
  const { db } = store;
  let lockDb: Database.Database | undefined;
  if (options.lock && store.path !== ':memory:') {
    lockDb = new Database(sqliteLockPath(store.path));
    const held = lockDb;
    try {
      held.pragma('busy_timeout = 0');
      await waitForLock(
        async () => tryExclusive(held),
        `${store.path} (${options.table})`,
        options,
      );
    } catch (error) {
      held.close();
      throw error;
    }
  } else if (options.lock) {
    options.onProgress({ type: 'lock-acquired', table: options.table, waitedMs: 0 });
  }
  let released = false;

  return {
    dialect: 'sqlite',
    exec: async (sql) => {
      db.exec(sql);
    },
    query: async <T>(sql: string, params: unknown[] = []) => {
      const statement = db.prepare(sql);
      if (statement.reader) return statement.all(...params) as T[];
      statement.run(...params);
      return [];
    },
    begin: async () => {
      db.exec('BEGIN IMMEDIATE');
    },
    commit: async () => {
      db.exec('COMMIT');
    },
    rollback: async () => {
      if (db.inTransaction) db.exec('ROLLBACK');
    },
    release: async () => {
      if (released) return;
      released = true;
      if (!lockDb) return;
      try {
        lockDb.exec('ROLLBACK');
      } finally {
        lockDb.close();
      }
    },
  };
}

function tryExclusive(lockDb: Database.Database): boolean {
  try {
    lockDb.exec('BEGIN EXCLUSIVE');
    return true;
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) return false;
    throw error;
  }
}
