import type { SqlStore } from '../store/types.js';
import { openPostgresSession } from './postgres-session.js';
import { openSqliteSession } from './sqlite-session.js';
import type { Dialect, MigrationProgress } from './types.js';

/**
 * One connection a migration run works on, holding the run's lock when it was asked to:
 * on PostgreSQL a dedicated pooled client with a session advisory lock, on SQLite the store's
 * connection plus an exclusive transaction on a sidecar lock file.
 */
export interface Session {
  readonly dialect: Dialect;
  /** Runs statements that return nothing. */
  exec(sql: string): Promise<void>;
  /** Runs one statement with the driver's placeholders and returns its rows. */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  begin(): Promise<void>;
  commit(): Promise<void>;
  /** Rolls back the open transaction; never throws. */
  rollback(): Promise<void>;
  /** Releases the lock and the connection; idempotent, never throws. */
  release(): Promise<void>;
}

export interface SessionOptions {
  /** The state table; names the lock and derives the advisory-lock key. */
  table: string;
  /** Take the run's exclusive lock (up, down, dry-run) or not (status, validate). */
  lock: boolean;
  lockTimeoutMs: number;
  signal: AbortSignal | undefined;
  onProgress: (event: MigrationProgress) => void;
}

export function openSession(store: SqlStore, options: SessionOptions): Promise<Session> {
  return store.kind === 'sqlite'
    ? openSqliteSession(store, options)
    : openPostgresSession(store, options);
}
