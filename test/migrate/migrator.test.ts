import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { hasCode } from '../../src/errors/breakwater-error.js';
import { errors } from '../../src/errors/registry.js';
import { checksum } from '../../src/migrate/files.js';
import { createMigrator } from '../../src/migrate/migrator.js';
import type { MigratorOptions } from '../../src/migrate/options.js';
import type { MigrationProgress } from '../../src/migrate/types.js';
import type { SqlStore } from '../../src/store/types.js';
import {
  openSql,
  rows,
  schemaSnapshot,
  tableExists,
  userTables,
  writeMigrations,
} from '../fixtures/migrate/support.js';
import { cleanupBackends, describeBackends, tempDir } from '../support/backends.js';

afterAll(cleanupBackends);

const AT = new Date('2030-01-02T03:04:05.000Z');

const THINGS = {
  '0001_things.sql': 'CREATE TABLE things (note TEXT NOT NULL);\n-- down\nDROP TABLE things;\n',
  '0002_seed.sql': "INSERT INTO things (note) VALUES ('one');\n-- down\nDELETE FROM things;\n",
};

/** A .ts migration that uses the context: exec, query with the dialect's placeholders. */
const TS_MIGRATION = `
interface Ctx { dialect: string; exec(sql: string): Promise<void>; query<T>(sql: string, params?: unknown[]): Promise<T[]> }
export async function up(ctx: Ctx): Promise<void> {
  await ctx.exec("INSERT INTO things (note) VALUES ('two')");
  const ph = ctx.dialect === 'sqlite' ? '?' : '$1';
  const found = await ctx.query<{ n: number | string }>(\`SELECT count(*) AS n FROM things WHERE note = \${ph}\`, ['two']);
  if (Number(found[0]?.n) !== 1) throw new Error('insert not visible');
}
export async function down(ctx: Ctx): Promise<void> {
  await ctx.exec("DELETE FROM things WHERE note = 'two'");
}
`;

describeBackends('migrator', ['sqlite', 'postgres'], (backend) => {
  const stores: SqlStore[] = [];
  afterAll(async () => {
    for (const store of stores) await store.close();
  });

  async function fresh(): Promise<SqlStore> {
    const store = openSql(await backend.url());
    stores.push(store);
    return store;
  }

  function migrator(store: SqlStore, dir: string, extra: Partial<MigratorOptions> = {}) {
    return createMigrator({ store, dir, appliedBy: 'tester@ci', clock: () => AT, ...extra });
  }

  const up = { backup: false, force: true } as const;
  const stateRows = (store: SqlStore, table = 'breakwater_migrations') =>
    rows<{ name: string; checksum: string; applied_by: string; duration_ms: number }>(
      store,
      `SELECT name, checksum, applied_by, duration_ms FROM ${table} ORDER BY name`,
    );
  const notes = async (store: SqlStore) =>
    (await rows<{ note: string }>(store, 'SELECT note FROM things ORDER BY note')).map(
      (r) => r.note,
    );

  it('applies pending migrations in order, records them, then has nothing to do', async () => {
    const store = await fresh();
    const dir = writeMigrations({ ...THINGS, '0003_more.ts': TS_MIGRATION, 'README.md': '# no' });
    const m = migrator(store, dir);
    const applied = await m.up(up);
    expect(applied.map((a) => a.name)).toEqual([
      '0001_things.sql',
      '0002_seed.sql',
      '0003_more.ts',
    ]);
    expect(applied[0]).toMatchObject({
      appliedAt: AT,
      appliedBy: 'tester@ci',
      transactional: true,
    });
    expect(await notes(store)).toEqual(['one', 'two']);

    const recorded = await stateRows(store);
    expect(recorded.map((r) => r.name)).toEqual(applied.map((a) => a.name));
    expect(recorded[0]?.checksum).toBe(checksum(readFileSync(path.join(dir, '0001_things.sql'))));
    expect(recorded.every((r) => r.applied_by === 'tester@ci' && Number(r.duration_ms) >= 0)).toBe(
      true,
    );

    const statuses = await m.status();
    expect(statuses.map((s) => s.state)).toEqual(['applied', 'applied', 'applied']);
    expect(statuses[2]?.appliedAt?.toISOString()).toBe(AT.toISOString());
    await m.validate();
    expect(await m.up(up)).toEqual([]);
    expect(await notes(store)).toEqual(['one', 'two']);
  });

  it('stops after `to` and reports progress in order', async () => {
    const store = await fresh();
    const events: MigrationProgress[] = [];
    const m = migrator(store, writeMigrations(THINGS), { onProgress: (e) => events.push(e) });
    expect((await m.up({ ...up, to: '0001' })).map((a) => a.name)).toEqual(['0001_things.sql']);
    expect(events.map((e) => e.type)).toEqual(['lock-acquired', 'start', 'done']);
    expect(events[1]).toMatchObject({
      name: '0001_things.sql',
      direction: 'up',
      transactional: true,
    });
    expect((await m.status()).map((s) => s.state)).toEqual(['applied', 'pending']);
  });

  it('rolls a failing migration back: schema and state table exactly as before', async () => {
    const store = await fresh();
    const dir = writeMigrations(THINGS);
    const m = migrator(store, dir);
    await m.up(up);
    const schemaBefore = await schemaSnapshot(store);
    const stateBefore = await stateRows(store);
    writeMigrations(
      {
        '0003_broken.sql': [
          '-- adds a column, an index, a table, then fails',
          'ALTER TABLE things ADD COLUMN extra TEXT;',
          'CREATE INDEX things_extra ON things (extra);',
          'CREATE TABLE side (id INTEGER);',
          '',
          '-- this one fails',
          'INSERT INTO missing_table (x)',
          '  VALUES (1);',
        ].join('\n'),
      },
      dir,
    );
    const events: MigrationProgress[] = [];
    const failing = migrator(store, dir, { onProgress: (e) => events.push(e) });
    const error = await failing.up(up).catch((e: unknown) => e);
    expect(hasCode(error, errors.MIGRATE_FAILED)).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain('0003_broken.sql:7');
    expect(message).toContain('INSERT INTO missing_table (x)');
    expect(message).toMatch(/no such table: missing_table|relation "missing_table" does not exist/);
    expect(message).not.toContain('\n');
    expect(events.at(-1)).toMatchObject({ type: 'failed', name: '0003_broken.sql' });

    expect(await schemaSnapshot(store)).toEqual(schemaBefore);
    expect(await stateRows(store)).toEqual(stateBefore);
    expect((await m.status()).map((s) => s.state)).toEqual(['applied', 'applied', 'pending']);
  });

  it('fails validate and up, naming the file, when an applied migration was edited', async () => {
    const store = await fresh();
    const dir = writeMigrations(THINGS);
    const m = migrator(store, dir);
    await m.up(up);
    writeFileSync(path.join(dir, '0002_seed.sql'), "INSERT INTO things (note) VALUES ('uno');\n");
    writeMigrations({ '0003_next.sql': 'CREATE TABLE next_one (id INTEGER);' }, dir);
    for (const attempt of [() => m.validate(), () => m.up(up)]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(hasCode(error, errors.MIGRATE_CHECKSUM_MISMATCH)).toBe(true);
      expect((error as Error).message).toContain('0002_seed.sql');
    }
    expect(await tableExists(store, 'next_one')).toBe(false);
    expect((await m.status()).map((s) => s.state)).toEqual(['applied', 'edited', 'pending']);
  });

  it('fails validate and up, naming the file, when an applied migration was deleted', async () => {
    const store = await fresh();
    const dir = writeMigrations(THINGS);
    const m = migrator(store, dir);
    await m.up(up);
    rmSync(path.join(dir, '0001_things.sql'));
    for (const attempt of [() => m.validate(), () => m.up(up)]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(hasCode(error, errors.MIGRATE_MISSING)).toBe(true);
      expect((error as Error).message).toContain('0001_things.sql');
    }
    expect((await m.status()).map((s) => [s.name, s.state])).toEqual([
      ['0001_things.sql', 'missing'],
      ['0002_seed.sql', 'applied'],
    ]);
  });

  it('dry-run on a fresh database executes everything and leaves no trace', async () => {
    const store = await fresh();
    const m = migrator(store, writeMigrations({ ...THINGS, '0003_more.ts': TS_MIGRATION }));
    const result = await m.dryRun();
    expect(result.pending.map((p) => [p.name, p.executed])).toEqual([
      ['0001_things.sql', true],
      ['0002_seed.sql', true],
      ['0003_more.ts', true],
    ]);
    expect(await userTables(store)).toEqual([]);
    expect((await m.status()).map((s) => s.state)).toEqual(['pending', 'pending', 'pending']);
  });

  it('dry-run after some are applied changes nothing, and reports a failure', async () => {
    const store = await fresh();
    const dir = writeMigrations(THINGS);
    const m = migrator(store, dir);
    await m.up(up);
    writeMigrations({ '0003_more.sql': "INSERT INTO things (note) VALUES ('three');" }, dir);
    const schemaBefore = await schemaSnapshot(store);
    const stateBefore = await stateRows(store);
    expect((await m.dryRun()).pending.map((p) => p.name)).toEqual(['0003_more.sql']);
    expect(await notes(store)).toEqual(['one']);

    writeMigrations(
      { '0004_bad.sql': 'CREATE TABLE t4 (id INTEGER);\nSELECT * FROM nowhere;' },
      dir,
    );
    const error = await m.dryRun().catch((e: unknown) => e);
    expect(hasCode(error, errors.MIGRATE_FAILED)).toBe(true);
    expect((error as Error).message).toContain('0004_bad.sql:2');
    expect(await schemaSnapshot(store)).toEqual(schemaBefore);
    expect(await stateRows(store)).toEqual(stateBefore);
  });

  it('rolls back a .ts migration whose validate() returns false or throws', async () => {
    const store = await fresh();
    const body = (verdict: string) => `
      export async function up(ctx: { exec(sql: string): Promise<void> }) {
        await ctx.exec('CREATE TABLE checked (id INTEGER)');
        await ctx.exec('INSERT INTO checked (id) VALUES (1)');
      }
      export async function validate(ctx: { query(sql: string): Promise<Array<{ n: unknown }>> }) {
        const [row] = await ctx.query('SELECT count(*) AS n FROM checked');
        if (Number(row?.n) !== 1) throw new Error('setup broken');
        ${verdict}
      }`;
    const dir = writeMigrations({ '0001_checked.ts': body('return false;') });
    const m = migrator(store, dir);
    let error = await m.up(up).catch((e: unknown) => e);
    expect(hasCode(error, errors.MIGRATE_VALIDATION_FAILED)).toBe(true);
    expect((error as Error).message).toContain('0001_checked.ts: validate() returned false');
    expect(await tableExists(store, 'checked')).toBe(false);
    expect(await stateRows(store)).toEqual([]);

    writeMigrations({ '0001_checked.ts': body("throw new Error('only 0 rows');") }, dir);
    error = await m.up(up).catch((e: unknown) => e);
    expect(hasCode(error, errors.MIGRATE_VALIDATION_FAILED)).toBe(true);
    expect((error as Error).message).toContain('validate() failed: only 0 rows');
    expect(await tableExists(store, 'checked')).toBe(false);

    writeMigrations({ '0001_checked.ts': body('return true;') }, dir);
    expect(await m.up(up)).toHaveLength(1);
    expect(await tableExists(store, 'checked')).toBe(true);
  });

  it('names the SQL a .ts migration failed on, and rolls it back', async () => {
    const store = await fresh();
    const dir = writeMigrations({
      '0001_fails.ts': `export async function up(ctx: { exec(sql: string): Promise<void> }) {
        await ctx.exec('CREATE TABLE half (id INTEGER)');
        await ctx.exec('INSERT INTO nowhere VALUES (1)');
      }`,
    });
    const error = await migrator(store, dir)
      .up(up)
      .catch((e: unknown) => e);
    expect(hasCode(error, errors.MIGRATE_FAILED)).toBe(true);
    expect((error as Error).message).toMatch(
      /^0001_fails\.ts: up\(\) failed at statement "INSERT INTO nowhere VALUES \(1\)": /,
    );
    expect(await tableExists(store, 'half')).toBe(false);
  });

  it('down reverts the last n in reverse order, each with its down section or down()', async () => {
    const store = await fresh();
    const dir = writeMigrations({ ...THINGS, '0003_more.ts': TS_MIGRATION });
    const m = migrator(store, dir);
    await m.up(up);
    expect((await m.down()).map((r) => r.name)).toEqual(['0003_more.ts']);
    expect(await notes(store)).toEqual(['one']);
    expect((await m.down(5)).map((r) => r.name)).toEqual(['0002_seed.sql', '0001_things.sql']);
    expect(await tableExists(store, 'things')).toBe(false);
    expect(await stateRows(store)).toEqual([]);
    expect(await m.down()).toEqual([]);
    await expect(m.down(0)).rejects.toThrow(/positive whole count/);
  });

  it('down refuses, naming the file, when one of them has no down, and does nothing', async () => {
    const store = await fresh();
    const dir = writeMigrations({
      ...THINGS,
      '0003_forever.sql':
        "INSERT INTO things (note) VALUES ('kept');\n-- down\n-- cannot be undone\n",
      '0004_four.ts': `export async function up(ctx: { exec(sql: string): Promise<void> }) {
        await ctx.exec("INSERT INTO things (note) VALUES ('four')");
      }
      export async function down(ctx: { exec(sql: string): Promise<void> }) {
        await ctx.exec("DELETE FROM things WHERE note = 'four'");
      }`,
    });
    const m = migrator(store, dir);
    await m.up(up);
    const before = await stateRows(store);
    const error = await m.down(2).catch((e: unknown) => e);
    expect(hasCode(error, errors.MIGRATE_NO_DOWN)).toBe(true);
    expect((error as Error).message).toContain('0003_forever.sql');
    expect(await stateRows(store)).toEqual(before);
    expect(await notes(store)).toEqual(['four', 'kept', 'one']);

    expect((await m.down(1)).map((r) => r.name)).toEqual(['0004_four.ts']);
    expect(await notes(store)).toEqual(['kept', 'one']);

    writeMigrations({ '0005_one_way.ts': 'export async function up() {}' }, dir);
    await m.up(up);
    const noDown = await m.down().catch((e: unknown) => e);
    expect(hasCode(noDown, errors.MIGRATE_NO_DOWN)).toBe(true);
    expect((noDown as Error).message).toContain('0005_one_way.ts exports no down() function');
  });

  it('keeps a custom state table apart', async () => {
    const store = await fresh();
    const dir = writeMigrations(THINGS);
    await migrator(store, dir, { table: 'app_schema_versions' }).up(up);
    expect((await stateRows(store, 'app_schema_versions')).map((r) => r.name)).toHaveLength(2);
    expect(await tableExists(store, 'breakwater_migrations')).toBe(false);
    expect(() => migrator(store, dir, { table: 'Bad-Name' })).toThrow(/state table "Bad-Name"/);
  });

  it('backs the store up before applying, and only when something is pending', async () => {
    const store = await fresh();
    const backupDir = path.join(tempDir(), 'backups');
    const events: MigrationProgress[] = [];
    const m = migrator(store, writeMigrations(THINGS), {
      backupDir,
      onProgress: (e) => events.push(e),
    });
    await m.up({ force: true });
    const backups = events.filter((e) => e.type === 'backup');
    expect(backups).toHaveLength(1);
    expect(events.findIndex((e) => e.type === 'backup')).toBeLessThan(
      events.findIndex((e) => e.type === 'start'),
    );
    const file = (backups[0] as { file: string }).file;
    expect(path.dirname(file)).toBe(backupDir);
    expect(readFileSync(file).length).toBeGreaterThan(0);
    await m.up({ force: true });
    expect(events.filter((e) => e.type === 'backup')).toHaveLength(1);
  });
});
