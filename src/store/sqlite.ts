import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { probe } from './health.js';
import type { SqliteStore } from './types.js';

export interface SqliteOptions {
  /** How long a writer waits for another process's lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

export const DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens a SQLite file in WAL mode with a busy timeout, so several processes of one host can
 * share it: readers never block the writer, writers queue on the file lock.
 */
export function openSqlite(file: string, options: SqliteOptions = {}): SqliteStore {
  const memory = file === ':memory:';
  if (!memory) mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? DEFAULT_SQLITE_BUSY_TIMEOUT_MS}`);
  if (!memory) db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  let closed = false;

  return {
    kind: 'sqlite',
    url: memory ? 'sqlite::memory:' : `sqlite:${file}`,
    path: file,
    db,
    transaction: (fn) => db.transaction(() => fn(db)).immediate(),
    health: (opts) =>
      probe(async () => {
        if (closed) throw new Error('store is closed');
        db.prepare('SELECT 1').get();
      }, opts),
    close: async () => {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
