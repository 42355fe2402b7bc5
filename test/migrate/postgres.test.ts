import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { hasCode } from '../../src/errors/breakwater-error.js';
import { errors } from '../../src/errors/registry.js';
import { createMigrator } from '../../src/migrate/migrator.js';
import type { MigratorOptions } from '../../src/migrate/options.js';
import type { MigrationProgress } from '../../src/migrate/types.js';
import type { SqlStore } from '../../src/store/types.js';
import { openSql, rows, tableExists, writeMigrations } from '../fixtures/migrate/support.js';
import { cleanupBackends, describeBackends, POSTGRES_URL } from '../support/backends.js';

afterAll(cleanupBackends);

const TABLE = {
  '0001_things.sql':
    "CREATE TABLE things (note TEXT NOT NULL);\nINSERT INTO things VALUES ('a'), ('a');",
};

describeBackends('migrator, PostgreSQL specifics', ['postgres'], (backend) => {
  const stores: SqlStore[] = [];
  const dropSchemas: string[] = [];
  afterAll(async () => {
    for (const store of stores) await store.close();
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    for (const schema of dropSchemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });
  async function fresh(url?: string): Promise<SqlStore> {
    const store = openSql(url ?? (await backend.url()));
    stores.push(store);
    return store;
  }
  const migrator = (store: SqlStore, dir: string, extra: Partial<MigratorOptions> = {}) =>
    createMigrator({ store, dir, ...extra });
  const stateNames = async (store: SqlStore) =>
    (
      await rows<{ name: string }>(store, 'SELECT name FROM breakwater_migrations ORDER BY name')
    ).map((r) => r.name);
  const indexes = (store: SqlStore) =>
    rows<{ name: string; valid: boolean }>(
      store,
      `SELECT c.relname AS name, i.indisvalid AS valid FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_class t ON t.oid = i.indrelid
        WHERE n.nspname = current_schema() AND t.relname = 'things' ORDER BY 1`,
    );

  it('runs a CONCURRENTLY migration outside a transaction and records it', async () => {
    const store = await fresh();
    const events: MigrationProgress[] = [];
    const dir = writeMigrations({
      ...TABLE,
      '0002_index.sql':
        'CREATE INDEX CONCURRENTLY things_note ON things (note);\n-- down\nDROP INDEX CONCURRENTLY things_note;\n',
    });
    const m = migrator(store, dir, { onProgress: (e) => events.push(e) });
    const applied = await m.up({ backup: false });
    expect(applied.map((a) => [a.name, a.transactional])).toEqual([
      ['0001_things.sql', true],
      ['0002_index.sql', false],
    ]);
    expect(events).toContainEqual({
      type: 'start',
      name: '0002_index.sql',
      direction: 'up',
      transactional: false,
    });
    expect(await indexes(store)).toEqual([{ name: 'things_note', valid: true }]);
    expect(await stateNames(store)).toEqual(['0001_things.sql', '0002_index.sql']);

    expect((await m.down()).map((a) => [a.name, a.transactional])).toEqual([
      ['0002_index.sql', false],
    ]);
    expect(await indexes(store)).toEqual([]);
    expect(await stateNames(store)).toEqual(['0001_things.sql']);
  });

  it('reports the INVALID index a failed CONCURRENTLY build leaves, and records nothing', async () => {
    const store = await fresh();
    const dir = writeMigrations({
      ...TABLE,
      '0002_unique.sql': 'CREATE UNIQUE INDEX CONCURRENTLY things_unique ON things (note);',
    });
    const error = await migrator(store, dir)
      .up({ backup: false })
      .catch((e: unknown) => e);
    expect(hasCode(error, errors.MIGRATE_FAILED)).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain('0002_unique.sql:1');
    expect(message).toContain('could not create unique index');
    expect(message).toContain('INVALID index things_unique');
    expect(message).not.toContain('\n');
    expect(await indexes(store)).toEqual([{ name: 'things_unique', valid: false }]);
    expect(await stateNames(store)).toEqual(['0001_things.sql']);
  });

  it('gives up on a blocked non-transactional statement after statementLockTimeout', async () => {
    const store = await fresh();
    const dir = writeMigrations(TABLE);
    const m = migrator(store, dir, { statementLockTimeout: '200ms' });
    await m.up({ backup: false });
    writeMigrations(
      { '0002_index.sql': 'CREATE INDEX CONCURRENTLY things_note ON things (note);' },
      dir,
    );
    const blocker = new pg.Client({ connectionString: POSTGRES_URL });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(
        `LOCK TABLE ${(store as { schema?: string }).schema}.things IN ACCESS EXCLUSIVE MODE`,
      );
      const error = await m.up({ backup: false }).catch((e: unknown) => e);
      expect(hasCode(error, errors.MIGRATE_FAILED)).toBe(true);
      expect((error as Error).message).toContain('lock timeout');
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    expect(await stateNames(store)).toEqual(['0001_things.sql']);
    const [setting] = await rows<{ value: string }>(
      store,
      "SELECT current_setting('lock_timeout') AS value",
    );
    expect(setting?.value).toBe('0'); // the pooled connection did not keep the migration's setting
  });

  it('dry-run lists a non-transactional migration without executing it', async () => {
    const store = await fresh();
    const dir = writeMigrations({
      ...TABLE,
      '0002_index.sql': 'CREATE INDEX CONCURRENTLY things_note ON things (note);',
      '0003_more.sql': 'CREATE TABLE more_things (id INTEGER);',
    });
    const result = await migrator(store, dir).dryRun();
    expect(result.pending.map((p) => [p.name, p.executed])).toEqual([
      ['0001_things.sql', true],
      ['0002_index.sql', false],
      ['0003_more.sql', false],
    ]);
    expect(result.pending[1]?.note).toMatch(/outside a transaction/);
    expect(await tableExists(store, 'things')).toBe(false);
    expect(await tableExists(store, 'breakwater_migrations')).toBe(false);
  });

  it('refuses pending migrations with lint findings unless forced; lint() covers every file', async () => {
    const store = await fresh();
    const dir = writeMigrations(TABLE);
    const m = migrator(store, dir);
    await m.up({ backup: false });
    writeMigrations(
      { '0002_required.sql': '\nALTER TABLE things ADD COLUMN n INTEGER NOT NULL;' },
      dir,
    );
    const error = await m.up({ backup: false }).catch((e: unknown) => e);
    expect(hasCode(error, errors.MIGRATE_LINT_FAILED)).toBe(true);
    expect((error as Error).message).toContain('0002_required.sql:2 adding-not-nullable-field');
    expect(await stateNames(store)).toEqual(['0001_things.sql']);

    const findings = await m.lint();
    expect(findings.map((f) => f.file)).toContain('0002_required.sql');
    // forced, it runs (and fails on the existing rows: the linter was right)
    const forced = await m.up({ backup: false, force: true }).catch((e: unknown) => e);
    expect(hasCode(forced, errors.MIGRATE_FAILED)).toBe(true);
    expect((forced as Error).message).toMatch(/0002_required\.sql:2: .*contains null values/);
  });

  it('creates the schema the store URL names when it does not exist yet', async () => {
    const schema = `bw_t_new_${randomBytes(4).toString('hex')}`;
    dropSchemas.push(schema);
    const store = await fresh(
      `${POSTGRES_URL}${POSTGRES_URL.includes('?') ? '&' : '?'}schema=${schema}`,
    );
    const dir = writeMigrations({ '0001_things.sql': 'CREATE TABLE things (note TEXT);' });
    expect(await migrator(store, dir).up({ backup: false })).toHaveLength(1);
    const [row] = await rows<{ schema: string }>(
      store,
      "SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'things' AND table_schema = ?",
      [schema],
    );
    expect(row?.schema).toBe(schema);
  });
});
