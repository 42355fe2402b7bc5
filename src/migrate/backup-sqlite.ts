import { chmodSync, closeSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { isBreakwaterError } from '../errors/breakwater-error.js';
import type { SqliteStore } from '../store/types.js';
import { abortedBy, backupFailed, restoreFailed } from './backup-errors.js';

const HEADER = 'SQLite format 3\0';
/** Pause before trying again when the destination is locked by another writer. */
const BUSY_RETRY_MS = 25;

/**
 * Copies `source` into the database file `dest` with SQLite's backup API, all pages in one
 * step: one consistent snapshot of the source (never restarted by other writers) written in
 * one transaction on `dest`. better-sqlite3 first runs a zero-page step, which takes the locks;
 * when that finds `dest` locked it resolves without copying anything and without calling
 * `progress`, so that case is detected and retried until `busyTimeoutMs` has passed.
 */
async function copyDatabase(
  source: Database.Database,
  dest: string,
  options: { busyTimeoutMs: number; signal: AbortSignal | undefined },
): Promise<void> {
  const { signal } = options;
  const deadline = Date.now() + options.busyTimeoutMs;
  const locked = () =>
    new Error(`database is locked by another writer for over ${options.busyTimeoutMs} ms`);
  for (;;) {
    if (signal?.aborted) throw abortedBy(signal);
    let started = false;
    await source.backup(dest, {
      progress: ({ totalPages }) => {
        started = true;
        if (signal?.aborted) throw abortedBy(signal);
        if (Date.now() > deadline) throw locked();
        return totalPages;
      },
    });
    if (started) return;
    if (Date.now() > deadline) throw locked();
    await sleep(BUSY_RETRY_MS, undefined, { signal });
  }
}

/**
 * Copies the live database into `file` with SQLite's online backup API (a consistent snapshot
 * while other connections keep reading and writing: WAL mode), then switches the copy to rollback-journal mode so it is one
 * self-contained file. Returns its size in bytes.
 */
export async function backupSqlite(
  store: SqliteStore,
  file: string,
  options: { busyTimeoutMs: number; signal: AbortSignal | undefined },
): Promise<number> {
  const { signal } = options;
  try {
    await copyDatabase(store.db, file, options);
    const copy = new Database(file, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    chmodSync(file, 0o600);
    return statSync(file).size;
  } catch (error) {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
    if (signal?.aborted) throw backupFailed('aborted', error);
    throw backupFailed(`copying ${store.path} to ${file}`, error);
  }
}

/** True when the file starts with SQLite's magic header. */
function isSqliteFile(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const header = Buffer.alloc(HEADER.length);
    const read = readSync(fd, header, 0, header.length, 0);
    return read === header.length && header.toString('latin1') === HEADER;
  } finally {
    closeSync(fd);
  }
}

/**
 * Copies a backup over the store's database with the backup API, in one write transaction
 * taken under SQLite's own locks: readers of other connections (and of the store's own) see
 * the old content until it commits and the restored content after; WAL mode is kept.
 */
export async function restoreSqlite(
  store: SqliteStore,
  file: string,
  options: { busyTimeoutMs: number; signal: AbortSignal | undefined },
): Promise<void> {
  const { signal } = options;
  if (store.path === ':memory:') {
    throw restoreFailed('the store is an in-memory SQLite database; restore into a file store');
  }
  if (store.db.inTransaction) {
    throw restoreFailed("the store's connection is inside a transaction; restore outside it");
  }
  if (!isSqliteFile(file)) throw restoreFailed(`${file} is not a SQLite database`);
  let source: Database.Database;
  try {
    source = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw restoreFailed(`cannot open ${file}`, error);
  }
  try {
    const check = source.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw restoreFailed(`${file} is damaged (quick_check: ${String(check)})`);
    const from = source.pragma('page_size', { simple: true });
    const to = store.db.pragma('page_size', { simple: true });
    if (from !== to && store.db.pragma('journal_mode', { simple: true }) === 'wal') {
      throw restoreFailed(`${file} has page size ${from}, the store ${to} (WAL cannot change it)`);
    }
    await copyDatabase(source, store.path, options);
  } catch (error) {
    if (isBreakwaterError(error)) throw error;
    if (signal?.aborted) throw restoreFailed('aborted; the store is unchanged', error);
    throw restoreFailed(`copying ${file} into ${store.path}`, error);
  } finally {
    source.close();
  }
}
