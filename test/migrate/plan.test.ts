import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasCode } from '../../src/errors/breakwater-error.js';
import { errors } from '../../src/errors/registry.js';
import { createMigrationFile, migrationSlug } from '../../src/migrate/create-file.js';
import { statementHead } from '../../src/migrate/failure.js';
import { checksum, parseMigrationName, readMigrationDir } from '../../src/migrate/files.js';
import { isNonTransactional } from '../../src/migrate/non-transactional.js';
import {
  type AppliedRow,
  assertIntact,
  migrationStatus,
  pendingFiles,
} from '../../src/migrate/plan.js';
import { advisoryLockKey } from '../../src/migrate/postgres-session.js';
import { parseSqlSections } from '../../src/migrate/sections.js';
import { writeMigrations } from '../fixtures/migrate/support.js';
import { cleanupBackends, tempDir } from '../support/backends.js';

afterAll(cleanupBackends);

describe('migration files', () => {
  it('recognises NNNN_name.sql/.ts/.js/.mjs and nothing else', () => {
    expect(parseMigrationName('0001_create.sql')).toEqual({ number: 1, kind: 'sql' });
    expect(parseMigrationName('0012_data.ts')).toEqual({ number: 12, kind: 'module' });
    expect(parseMigrationName('3_x.mjs')).toEqual({ number: 3, kind: 'module' });
    for (const name of ['README.md', 'create.sql', '0001.sql', '0001_x.d.ts', '0001_x.sql.bak']) {
      expect(parseMigrationName(name)).toBeUndefined();
    }
  });

  it('reads a directory in number order with checksums of the bytes, ignoring other files', async () => {
    const dir = writeMigrations({
      '0010_later.sql': 'SELECT 10;',
      '0002_first.sql': 'SELECT 2;',
      'notes.txt': 'ignored',
      '0003_mod.ts': 'export function up() {}',
    });
    const files = await readMigrationDir(dir);
    expect(files.map((f) => f.name)).toEqual(['0002_first.sql', '0003_mod.ts', '0010_later.sql']);
    expect(files[0]?.checksum).toBe(checksum(readFileSync(path.join(dir, '0002_first.sql'))));
    expect(files[1]?.text).toBeUndefined();
  });

  it('refuses two files with the same number, naming both', async () => {
    const dir = writeMigrations({ '0001_a.sql': 'SELECT 1;', '001_b.sql': 'SELECT 1;' });
    const error = await readMigrationDir(dir).catch((e: unknown) => e);
    expect(hasCode(error, errors.MIGRATE_DIR_INVALID)).toBe(true);
    expect((error as Error).message).toContain('0001_a.sql');
    expect((error as Error).message).toContain('001_b.sql');
  });

  it('names a missing directory', async () => {
    const error = await readMigrationDir('/nonexistent/bw-migrations').catch((e: unknown) => e);
    expect(hasCode(error, errors.MIGRATE_DIR_INVALID)).toBe(true);
    expect((error as Error).message).toContain('/nonexistent/bw-migrations does not exist');
  });
});

describe('parseSqlSections', () => {
  it('splits at the -- down line and keeps file line numbers', () => {
    const sections = parseSqlSections(
      'CREATE TABLE a (x int);\n-- down\n\nDROP TABLE a;\n',
      'f.sql',
    );
    expect(sections.up).toEqual({ sql: 'CREATE TABLE a (x int);', firstLine: 1 });
    expect(sections.down?.firstLine).toBe(3);
    expect(sections.down?.sql).toContain('DROP TABLE a;');
  });

  it('treats a missing or comment-only down section as no down', () => {
    expect(parseSqlSections('SELECT 1;', 'f.sql').down).toBeUndefined();
    expect(parseSqlSections('SELECT 1;\n-- DOWN\n-- nothing yet\n', 'f.sql').down).toBeUndefined();
  });

  it('refuses two -- down lines', () => {
    expect(() => parseSqlSections('SELECT 1;\n-- down\nSELECT 2;\n--down\n', 'x.sql')).toThrow(
      /x\.sql: more than one "-- down" line \(lines 2, 4\)/,
    );
  });
});

describe('migrationStatus and assertIntact', () => {
  const at = new Date('2030-01-01T00:00:00Z');
  const row = (name: string, sum: string): AppliedRow => ({
    name,
    checksum: sum,
    appliedAt: at,
    durationMs: 3,
    appliedBy: 'me@host',
  });
  const file = (name: string, sum: string) => ({
    name,
    number: Number(name.slice(0, 4)),
    path: name,
    kind: 'sql' as const,
    checksum: sum,
    text: '',
  });

  it('gives each file and row its state, in number order', () => {
    const files = [file('0001_a.sql', 'A'), file('0002_b.sql', 'B2'), file('0004_d.sql', 'D')];
    const rows = [row('0001_a.sql', 'A'), row('0002_b.sql', 'B'), row('0003_c.sql', 'C')];
    const statuses = migrationStatus(files, rows);
    expect(statuses.map((s) => [s.name, s.state])).toEqual([
      ['0001_a.sql', 'applied'],
      ['0002_b.sql', 'edited'],
      ['0003_c.sql', 'missing'],
      ['0004_d.sql', 'pending'],
    ]);
    expect(statuses[0]).toMatchObject({ appliedAt: at, appliedBy: 'me@host', durationMs: 3 });
    expect(() => assertIntact(statuses)).toThrow(/0002_b\.sql changed since it was applied/);
    expect(() => assertIntact(statuses, new Set(['0003_c.sql']))).toThrow(/0003_c\.sql is missing/);
    expect(() => assertIntact(statuses, new Set(['0001_a.sql', '0004_d.sql']))).not.toThrow();
  });

  it('limits pending files with `to` (name, stem or number)', () => {
    const files = [file('0001_a.sql', 'A'), file('0002_b.sql', 'B'), file('0003_c.sql', 'C')];
    const statuses = migrationStatus(files, [row('0001_a.sql', 'A')]);
    const names = (to?: string) => pendingFiles(files, statuses, to).map((f) => f.name);
    expect(names()).toEqual(['0002_b.sql', '0003_c.sql']);
    expect(names('0002_b.sql')).toEqual(['0002_b.sql']);
    expect(names('0002_b')).toEqual(['0002_b.sql']);
    expect(names('2')).toEqual(['0002_b.sql']);
    expect(() => names('0009')).toThrow(/"0009" is not in the directory/);
  });
});

describe('non-transactional statements', () => {
  it.each([
    'CREATE INDEX CONCURRENTLY i ON t (x)',
    'create unique index concurrently i on t (x)',
    '-- comment first\nDROP INDEX CONCURRENTLY i',
    'REINDEX (VERBOSE) INDEX CONCURRENTLY i',
    'REFRESH MATERIALIZED VIEW CONCURRENTLY v',
    "ALTER TYPE mood ADD VALUE 'meh'",
    'VACUUM ANALYZE t',
    'CREATE DATABASE other',
  ])('detects %j on PostgreSQL', (sql) => {
    expect(isNonTransactional(sql, 'postgres')).toBe(true);
  });

  it('leaves ordinary statements transactional', () => {
    expect(isNonTransactional('CREATE INDEX i ON t (x)', 'postgres')).toBe(false);
    expect(isNonTransactional("SELECT 'VACUUM'", 'postgres')).toBe(false);
    expect(isNonTransactional('ALTER TYPE mood RENAME TO feeling', 'postgres')).toBe(false);
    expect(isNonTransactional('CREATE INDEX CONCURRENTLY i ON t (x)', 'sqlite')).toBe(false);
    expect(isNonTransactional('VACUUM', 'sqlite')).toBe(true);
  });
});

describe('statementHead', () => {
  it('points at the first SQL line after leading comments', () => {
    const head = statementHead({
      text: '-- why\n/* more\n */\n  INSERT INTO t\n VALUES (1)',
      line: 7,
    });
    expect(head).toEqual({ text: 'INSERT INTO t', line: 10 });
  });
});

describe('advisoryLockKey', () => {
  it('is a stable signed 64-bit key per schema and table', () => {
    const key = advisoryLockKey('app', 'breakwater_migrations');
    expect(key).toBe(advisoryLockKey('app', 'breakwater_migrations'));
    expect(BigInt(key) >= -(2n ** 63n) && BigInt(key) < 2n ** 63n).toBe(true);
    expect(advisoryLockKey('other', 'breakwater_migrations')).not.toBe(key);
    expect(advisoryLockKey('app', 'breakwater_own_migrations')).not.toBe(key);
  });
});

describe('createMigrationFile', () => {
  it('numbers from 0001 in an empty (or new) directory', async () => {
    const dir = path.join(tempDir(), 'migrations');
    const file = await createMigrationFile(dir, 'Add users!');
    expect(path.basename(file)).toBe('0001_add_users.sql');
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^-- down$/m);
    expect(parseSqlSections(text, 'x').down).toBeUndefined();
  });

  it('takes the next number after the highest one, ignoring other files', async () => {
    const dir = writeMigrations({ '0002_a.sql': '', '0007_b.ts': '', '0100.txt': '' });
    const file = await createMigrationFile(dir, 'backfill  totals');
    expect(path.basename(file)).toBe('0008_backfill_totals.sql');
    writeFileSync(path.join(dir, '0012_c.sql'), '');
    expect(path.basename(await createMigrationFile(dir, 'x'))).toBe('0013_x.sql');
    expect(readdirSync(dir).filter((f) => f.endsWith('.sql'))).toHaveLength(4);
  });

  it('refuses a name with no letters or digits', async () => {
    expect(() => migrationSlug('!!!')).toThrow(/needs at least one letter or digit/);
    await expect(createMigrationFile(tempDir(), '---')).rejects.toThrow(/needs at least one/);
  });
});
