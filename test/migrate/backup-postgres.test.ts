import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { errors, hasCode } from '../../src/errors/index.js';
import { backupStore, restoreBackup } from '../../src/migrate/backup.js';
import { libpqConnection } from '../../src/migrate/backup-postgres.js';
import { openStore } from '../../src/store/open.js';
import { openPostgres } from '../../src/store/postgres.js';
import type { PostgresStore } from '../../src/store/types.js';
import { cleanupBackends, describeBackends, POSTGRES_URL, tempDir } from '../support/backends.js';

afterAll(cleanupBackends);

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: Error) => error,
  );
}

/** Tables, columns and rows of the store's schema, for before/after comparison. */
async function snapshot(store: PostgresStore) {
  const columns = await store.pool.query(
    `SELECT table_name, column_name, data_type, is_nullable, column_default
       FROM information_schema.columns WHERE table_schema = $1
      ORDER BY table_name, ordinal_position`,
    [store.schema],
  );
  const indexes = await store.pool.query(
    'SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname',
    [store.schema],
  );
  const users = await store.pool.query('SELECT * FROM users ORDER BY id');
  const orders = await store.pool.query('SELECT * FROM orders ORDER BY id');
  return { columns: columns.rows, indexes: indexes.rows, users: users.rows, orders: orders.rows };
}

const hasPgTools = (() => {
  try {
    execFileSync('pg_dump', ['--version'], { stdio: 'ignore' });
    execFileSync('pg_restore', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
/** Appended to the title of a case that needs pg_dump/pg_restore, so a skip names its reason. */
const needsTools = hasPgTools ? '' : ' (skipped: pg_dump/pg_restore not on PATH)';

describeBackends('migrate backup/restore', ['postgres'], (backend) => {
  const stores: PostgresStore[] = [];
  const open = async () => {
    const store = openStore(await backend.url()) as PostgresStore;
    stores.push(store);
    await store.pool.query(`
      CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE);
      CREATE TABLE orders (id serial PRIMARY KEY, user_id int REFERENCES users (id), total int);
      CREATE INDEX orders_user ON orders (user_id);
      INSERT INTO users (email) VALUES ('a@example.com'), ('b@example.com'), ('c@example.com');
      INSERT INTO orders (user_id, total) VALUES (1, 50), (1, 150), (2, 300);
    `);
    return store;
  };
  afterEach(async () => {
    while (stores.length > 0) await stores.pop()?.close();
  });

  it.skipIf(!hasPgTools)(
    `round-trips schema and data with pg_dump/pg_restore${needsTools}`,
    async () => {
      const store = await open();
      const before = await snapshot(store);
      const dir = path.join(tempDir(), 'backups');
      const now = new Date('2024-05-06T07:08:09.123Z');
      const backup = await backupStore(store, { dir, now: () => now });
      expect(backup.file).toBe(path.join(dir, '20240506T070809123Z.dump'));
      expect(backup.bytes).toBeGreaterThan(0);

      await store.pool.query(`
      ALTER TABLE users ADD COLUMN nickname text;
      DROP TABLE orders;
      DELETE FROM users WHERE id > 1;
    `);

      await restoreBackup(store, backup.file);
      expect(await snapshot(store)).toEqual(before);
      // Sequences come back too: the next id follows the restored rows.
      const next = await store.pool.query("INSERT INTO users (email) VALUES ('d@x') RETURNING id");
      expect(next.rows[0].id).toBe(4);
      // The dump holds the store's schema only.
      const list = execFileSync('pg_restore', ['--list', backup.file], { encoding: 'utf8' });
      expect(list).toContain(`TABLE ${store.schema} users`);
      expect(list).not.toMatch(/TABLE public /);
    },
  );

  it('refuses without pg_dump, naming the way out', async () => {
    const store = await open();
    const dir = tempDir();
    for (const pgDumpPath of [path.join(dir, 'no', 'pg_dump'), 'bw-no-such-pg_dump']) {
      const error = await rejection(backupStore(store, { dir, pgDumpPath }));
      expect(hasCode(error, errors.MIGRATE_BACKUP_UNAVAILABLE)).toBe(true);
      expect(error.message).toMatch(/install the PostgreSQL client tools .*--no-backup/);
      expect(error.message).not.toContain('\n');
    }
    expect(readdirSync(dir)).toEqual([]);
    const restore = await rejection(
      restoreBackup(store, path.join(process.cwd(), 'package.json'), {
        pgRestorePath: 'bw-no-such-pg_restore',
      }),
    );
    expect(hasCode(restore, errors.MIGRATE_RESTORE_FAILED)).toBe(true);
    expect(restore.message).toMatch(/bw-no-such-pg_restore not found on PATH: install/);
  });

  it('passes the password to libpq tools outside the command line', () => {
    expect(libpqConnection('postgres://app:p%40ss@db.internal:6432/prod?ssl=true')).toEqual({
      dbname: 'postgres://app@db.internal:6432/prod?sslmode=require',
      password: 'p@ss',
    });
    expect(libpqConnection('postgres://app@db/prod')).toEqual({ dbname: 'postgres://app@db/prod' });
  });

  it.skipIf(!hasPgTools)(
    `rejects a file that is not a dump, and leaves the data${needsTools}`,
    async () => {
      const store = await open();
      const bogus = path.join(tempDir(), 'bogus.dump');
      writeFileSync(bogus, 'SQLite format 3\0 not a dump');
      const error = await rejection(restoreBackup(store, bogus));
      expect(hasCode(error, errors.MIGRATE_RESTORE_FAILED)).toBe(true);
      expect(error.message).toMatch(
        /^restore failed: pg_restore of .*bogus\.dump: pg_restore: error: /,
      );
      expect(error.message).not.toContain('\n');
      expect((await snapshot(store)).users).toHaveLength(3);
    },
  );

  it.skipIf(!hasPgTools)(
    `never shows the password, removes a failed dump${needsTools}`,
    async () => {
      const url = new URL(POSTGRES_URL);
      url.password = 's3cret-pw';
      url.pathname = '/bw_no_such_database';
      const store = openPostgres(url.toString(), { schema: 'public' });
      stores.push(store);
      const dir = tempDir();
      const error = await rejection(backupStore(store, { dir }));
      expect(hasCode(error, errors.MIGRATE_BACKUP_FAILED)).toBe(true);
      expect(error.message).toMatch(/bw_no_such_database/);
      expect(error.message).not.toContain('s3cret-pw');
      expect(readdirSync(dir)).toEqual([]);
    },
  );

  it.skipIf(!hasPgTools)(`stops pg_dump and pg_restore on abort${needsTools}`, async () => {
    const store = await open();
    const dir = tempDir();
    const early = await rejection(backupStore(store, { dir, signal: AbortSignal.abort() }));
    expect(hasCode(early, errors.MIGRATE_BACKUP_FAILED)).toBe(true);
    const controller = new AbortController();
    const running = backupStore(store, { dir, signal: controller.signal });
    controller.abort(); // pg_dump is already running: it is killed
    const late = await rejection(running);
    expect(hasCode(late, errors.MIGRATE_BACKUP_FAILED)).toBe(true);
    expect(late.message).toMatch(/aborted/);
    expect(readdirSync(dir)).toEqual([]);

    const backup = await backupStore(store, { dir });
    await store.pool.query('DELETE FROM orders');
    const restoring = new AbortController();
    const restore = restoreBackup(store, backup.file, { signal: restoring.signal });
    restoring.abort();
    const stopped = await rejection(restore);
    expect(hasCode(stopped, errors.MIGRATE_RESTORE_FAILED)).toBe(true);
    expect((await snapshot(store)).orders).toEqual([]);
  });
});
