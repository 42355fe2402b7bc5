import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, expect, it } from 'vitest';
import { errors, hasCode } from '../../src/errors/index.js';
import { backupStore, backupTimestamp, restoreBackup } from '../../src/migrate/backup.js';
import { openStore } from '../../src/store/open.js';
import type { SqliteStore } from '../../src/store/types.js';
import { cleanupBackends, describeBackends, tempDir } from '../support/backends.js';

afterAll(cleanupBackends);

const schemaOf = (db: Database.Database) =>
  db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all();
const rowsOf = (db: Database.Database) => ({
  users: db.prepare('SELECT * FROM users ORDER BY id').all(),
  orders: db.prepare('SELECT * FROM orders ORDER BY id').all(),
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describeBackends('migrate backup/restore', ['sqlite'], (backend) => {
  const stores: SqliteStore[] = [];
  const open = async () => {
    const store = openStore(await backend.url()) as SqliteStore;
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    while (stores.length > 0) await stores.pop()?.close();
  });

  const seed = (db: Database.Database) =>
    db.exec(`
      CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);
      CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), total INT);
      CREATE INDEX orders_user ON orders (user_id);
      CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;
      INSERT INTO users (email) VALUES ('a@example.com'), ('b@example.com'), ('c@example.com');
      INSERT INTO orders (user_id, total) VALUES (1, 50), (1, 150), (2, 300);
    `);

  it('restores the schema and data of the backup into the open store', async () => {
    const store = await open();
    seed(store.db);
    const schema = schemaOf(store.db);
    const rows = rowsOf(store.db);
    const countUsers = store.db.prepare('SELECT count(*) AS n FROM users');

    const dir = path.join(tempDir(), 'backups');
    const now = new Date('2024-05-06T07:08:09.123Z');
    const backup = await backupStore(store, { dir, now: () => now });
    expect(backup.file).toBe(path.join(dir, '20240506T070809123Z.db'));
    expect(backup.bytes).toBe(statSync(backup.file).size);
    expect(backup.bytes).toBeGreaterThan(0);
    // One self-contained file: rollback-journal mode, nothing beside it.
    expect(readdirSync(dir)).toEqual(['20240506T070809123Z.db']);

    store.db.exec(`
      ALTER TABLE users ADD COLUMN nickname TEXT;
      DROP VIEW big_orders;
      DROP TABLE orders;
      DELETE FROM users WHERE id > 1;
      CREATE TABLE extra (x);
    `);
    expect(countUsers.get()).toEqual({ n: 1 });

    await restoreBackup(store, backup.file);

    expect(schemaOf(store.db)).toEqual(schema);
    expect(rowsOf(store.db)).toEqual(rows);
    expect(countUsers.get()).toEqual({ n: 3 }); // a statement prepared before still works
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    store.db.prepare('INSERT INTO users (email) VALUES (?)').run('d@example.com');

    const other = new Database(store.path, { readonly: true });
    try {
      expect(schemaOf(other)).toEqual(schema);
      expect(other.prepare('SELECT count(*) AS n FROM users').get()).toEqual({ n: 4 });
      expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      other.close();
    }
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('leaves the store unchanged when another writer holds the lock too long', async () => {
    const store = await open();
    seed(store.db);
    const backup = await backupStore(store, { dir: tempDir() });
    store.db.exec('DELETE FROM orders');

    const writer = new Database(store.path);
    try {
      writer.exec('BEGIN IMMEDIATE');
      const error = await rejection(restoreBackup(store, backup.file, { busyTimeoutMs: 100 }));
      expect(hasCode(error, errors.MIGRATE_RESTORE_FAILED)).toBe(true);
      expect((error as Error).message).toMatch(/locked by another writer/);
      writer.exec('ROLLBACK');
    } finally {
      writer.close();
    }
    expect(rowsOf(store.db).orders).toEqual([]);
    // The store's own connection in a transaction would wait for itself: refused up front.
    store.db.exec('BEGIN');
    const own = await rejection(restoreBackup(store, backup.file));
    store.db.exec('ROLLBACK');
    expect((own as Error).message).toMatch(/inside a transaction/);
    await restoreBackup(store, backup.file);
    expect(rowsOf(store.db).orders).toHaveLength(3);
  });

  it('waits for another writer, and readers keep their snapshot until it commits', async () => {
    const store = await open();
    seed(store.db);
    const backup = await backupStore(store, { dir: tempDir() });
    store.db.exec('DELETE FROM orders');

    const reader = new Database(store.path, { readonly: true });
    const writer = new Database(store.path);
    try {
      reader.exec('BEGIN');
      expect(reader.prepare('SELECT count(*) AS n FROM orders').get()).toEqual({ n: 0 });
      writer.exec('BEGIN IMMEDIATE');
      writer.exec("INSERT INTO users (email) VALUES ('w@example.com')");
      const released = new Promise<void>((resolve) =>
        setTimeout(() => {
          writer.exec('COMMIT');
          resolve();
        }, 150),
      );
      await restoreBackup(store, backup.file);
      await released;
      // The restore ran after the writer committed, so it replaced the writer's row too.
      expect(rowsOf(store.db).users).toHaveLength(3);
      expect(rowsOf(store.db).orders).toHaveLength(3);
      expect(reader.prepare('SELECT count(*) AS n FROM orders').get()).toEqual({ n: 0 });
      reader.exec('COMMIT');
      expect(reader.prepare('SELECT count(*) AS n FROM orders').get()).toEqual({ n: 3 });
    } finally {
      reader.close();
      writer.close();
    }
  });

  it('names backups by UTC time, so they sort in time order', async () => {
    const store = await open();
    seed(store.db);
    const dir = tempDir();
    const times = [
      '2024-01-02T10:00:00.000Z',
      '2024-01-02T09:59:59.999Z',
      '2023-12-31T23:59:59.000Z',
    ];
    for (const time of times) await backupStore(store, { dir, now: () => new Date(time) });
    const names = readdirSync(dir);
    expect(names).toHaveLength(3);
    for (const name of names) expect(name).toMatch(/^\d{8}T\d{9}Z\.db$/);
    const byTime = [...times].sort((a, b) => Date.parse(a) - Date.parse(b));
    expect([...names].sort()).toEqual(byTime.map((t) => `${backupTimestamp(new Date(t))}.db`));
    // The same instant twice does not overwrite the first backup.
    const again = await rejection(
      backupStore(store, { dir, now: () => new Date(times[0] as string) }),
    );
    expect(hasCode(again, errors.MIGRATE_BACKUP_FAILED)).toBe(true);
    expect((again as Error).message).toMatch(/already exists/);
  });

  it('refuses an in-memory store and honours an aborted signal', async () => {
    const memory = openStore('sqlite::memory:') as SqliteStore;
    stores.push(memory);
    const dir = tempDir();
    const unavailable = await rejection(backupStore(memory, { dir }));
    expect(hasCode(unavailable, errors.MIGRATE_BACKUP_UNAVAILABLE)).toBe(true);
    expect((unavailable as Error).message).toMatch(/nothing to back up/);

    const store = await open();
    seed(store.db);
    const aborted = await rejection(backupStore(store, { dir, signal: AbortSignal.abort() }));
    expect(hasCode(aborted, errors.MIGRATE_BACKUP_FAILED)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);

    // Aborted once started: the restore's write transaction is rolled back.
    const backup = await backupStore(store, { dir });
    store.db.exec('DELETE FROM orders');
    const controller = new AbortController();
    const restore = restoreBackup(store, backup.file, { signal: controller.signal });
    controller.abort();
    const stopped = await rejection(restore);
    expect(hasCode(stopped, errors.MIGRATE_RESTORE_FAILED)).toBe(true);
    expect((stopped as Error).message).toMatch(/aborted; the store is unchanged/);
    expect(rowsOf(store.db).orders).toEqual([]);
  });

  it('rejects a file that is not a SQLite database, or is missing', async () => {
    const store = await open();
    seed(store.db);
    const bogus = path.join(tempDir(), 'bogus.db');
    writeFileSync(bogus, 'PGDMP this is not sqlite');
    const error = await rejection(restoreBackup(store, bogus));
    expect(hasCode(error, errors.MIGRATE_RESTORE_FAILED)).toBe(true);
    expect((error as Error).message).toBe(`restore failed: ${bogus} is not a SQLite database`);
    const missing = path.join(path.dirname(bogus), 'nope.db');
    const gone = await rejection(restoreBackup(store, missing));
    expect(hasCode(gone, errors.MIGRATE_RESTORE_FAILED)).toBe(true);
    expect(existsSync(missing)).toBe(false);
    expect(rowsOf(store.db).users).toHaveLength(3);
  });
});
