import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SQLITE_BUSY_TIMEOUT_MS } from '../store/sqlite.js';
import type { SqlStore } from '../store/types.js';
import { backupFailed, backupUnavailable, restoreFailed } from './backup-errors.js';
import { backupPostgres, restorePostgres } from './backup-postgres.js';
import { backupSqlite, restoreSqlite } from './backup-sqlite.js';

/** A backup written before migrating: where it is and how big. */
export interface BackupResult {
  /** Absolute path of the backup file. */
  file: string;
  bytes: number;
}

export interface BackupOptions {
  /** Directory for backup files; created when missing. */
  dir: string;
  /** Clock for the file name; default `() => new Date()`. */
  now?: () => Date;
  /** Aborting stops the backup and removes the partial file. */
  signal?: AbortSignal;
  /** PostgreSQL: the pg_dump binary, a path or a name looked up on PATH; default `pg_dump`. */
  pgDumpPath?: string;
}

export interface RestoreOptions {
  /** Aborting stops the restore; the store is left as it was. */
  signal?: AbortSignal;
  /** PostgreSQL: the pg_restore binary, a path or a name looked up on PATH; default `pg_restore`. */
  pgRestorePath?: string;
  /** SQLite: how long to wait for other writers before giving up; default 5 s. */
  busyTimeoutMs?: number;
}

export const DEFAULT_PG_DUMP = 'pg_dump';
export const DEFAULT_PG_RESTORE = 'pg_restore';
/** SQLite: how long a restore waits for other writers (the store's own busy timeout). */
export const DEFAULT_RESTORE_BUSY_TIMEOUT_MS = DEFAULT_SQLITE_BUSY_TIMEOUT_MS;

/** `now` as `YYYYMMDDTHHmmssSSSZ` (UTC): sortable, no colons, safe in any file system. */
export function backupTimestamp(now: Date): string {
  return now.toISOString().replace(/[-:.]/g, '');
}

/**
 * Backs the store up into `<dir>/<timestamp>.db` (SQLite, online backup API) or
 * `<dir>/<timestamp>.dump` (PostgreSQL, `pg_dump --format=custom`). Throws
 * BW_MIGRATE_BACKUP_UNAVAILABLE when there is nothing to back up (in-memory SQLite) or no
 * pg_dump, BW_MIGRATE_BACKUP_FAILED when the backup itself fails.
 */
export async function backupStore(store: SqlStore, options: BackupOptions): Promise<BackupResult> {
  if (store.kind === 'sqlite' && store.path === ':memory:') {
    throw backupUnavailable(
      'the store is an in-memory SQLite database: nothing to back up (pass --no-backup)',
    );
  }
  const now = (options.now ?? (() => new Date()))();
  const dir = path.resolve(options.dir);
  const file = path.join(dir, `${backupTimestamp(now)}.${store.kind === 'sqlite' ? 'db' : 'dump'}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw backupFailed(`cannot create backup directory ${dir}`, error);
  }
  if (existsSync(file)) throw backupFailed(`${file} already exists; not overwriting it`);
  const signal = options.signal;
  const bytes =
    store.kind === 'sqlite'
      ? await backupSqlite(store, file, { busyTimeoutMs: DEFAULT_SQLITE_BUSY_TIMEOUT_MS, signal })
      : await backupPostgres(store, file, {
          pgDumpPath: options.pgDumpPath ?? DEFAULT_PG_DUMP,
          signal,
        });
  return { file, bytes };
}

/**
 * Brings a backup written by `backupStore` back into the store: its schema and data replace
 * the store's. SQLite copies the file in under SQLite's own locks, so the store's connection
 * stays usable and sees the restored content; PostgreSQL runs `pg_restore --clean --if-exists
 * --single-transaction`. Throws BW_MIGRATE_RESTORE_FAILED with a one-line reason.
 */
export async function restoreBackup(
  store: SqlStore,
  file: string,
  options: RestoreOptions = {},
): Promise<void> {
  const resolved = path.resolve(file);
  if (!existsSync(resolved)) throw restoreFailed(`backup file ${resolved} does not exist`);
  if (store.kind === 'sqlite') {
    await restoreSqlite(store, resolved, {
      busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_RESTORE_BUSY_TIMEOUT_MS,
      signal: options.signal,
    });
  } else {
    await restorePostgres(store, resolved, {
      pgRestorePath: options.pgRestorePath ?? DEFAULT_PG_RESTORE,
      signal: options.signal,
    });
  }
}
