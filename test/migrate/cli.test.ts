import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { captureIo, openSql, rows, writeMigrations } from '../fixtures/migrate/support.js';
import { cleanupBackends, describeBackends, REDIS_URL, tempDir } from '../support/backends.js';

afterAll(cleanupBackends);

const THINGS_SQL =
  "CREATE TABLE things (note TEXT NOT NULL);\nINSERT INTO things VALUES ('x');\n-- down\nDROP TABLE things;\n";

/** Runs `breakwater migrate ...` with a captured io. */
async function migrate(args: string[], options: Parameters<typeof captureIo>[0] = {}) {
  const captured = captureIo(options);
  const code = await runCli(['migrate', ...args], captured.io);
  return { code, out: captured.out(), err: captured.err() };
}

function expectOneLineError(result: { code: number; err: string }, ...parts: string[]) {
  expect(result.code).not.toBe(0);
  expect(result.err.endsWith('\n')).toBe(true);
  expect(result.err.trimEnd().split('\n')).toHaveLength(1);
  for (const part of parts) expect(result.err).toContain(part);
}

describeBackends('breakwater migrate', ['sqlite', 'postgres'], (backend) => {
  it('create, up, status --json, validate, dry-run and down', async () => {
    const url = await backend.url();
    const dir = path.join(tempDir(), 'migrations');
    const common = ['--dir', dir, '--store', url, '--no-backup'];

    const created = await migrate(['create', 'Add things', ...common]);
    expect(created).toMatchObject({ code: 0, err: '' });
    const file = created.out.trim();
    expect(file).toBe(path.join(dir, '0001_add_things.sql'));
    writeFileSync(file, THINGS_SQL);

    const up = await migrate(['up', ...common]);
    expect(up).toMatchObject({ code: 0, err: '' });
    expect(up.out).toContain('applying 0001_add_things.sql\n');
    expect(up.out).toMatch(/applied 0001_add_things\.sql \(\d+ ms\)/);
    expect(up.out).toContain('applied 1 migration: 0001_add_things.sql');
    expect((await migrate(['up', ...common])).out).toContain('nothing to do');

    const status = await migrate(['status', '--json', ...common]);
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.out) as Array<Record<string, unknown>>;
    expect(parsed).toHaveLength(1);
    expect(parsed[0]).toMatchObject({ name: '0001_add_things.sql', state: 'applied' });
    expect(new Date(String(parsed[0]?.appliedAt)).getTime()).not.toBeNaN();
    expect(parsed[0]?.appliedBy).toMatch(/.@./);
    expect(typeof parsed[0]?.durationMs).toBe('number');

    expect(await migrate(['validate', ...common])).toMatchObject({ code: 0, err: '' });
    expect((await migrate(['dry-run', ...common])).out).toContain('nothing to do');

    const down = await migrate(['down', ...common, '--json']);
    expect(down.code).toBe(0);
    expect((JSON.parse(down.out) as { reverted: Array<{ name: string }> }).reverted[0]?.name).toBe(
      '0001_add_things.sql',
    );
    const text = await migrate(['status', ...common]);
    expect(text.out).toMatch(/^NAME\s+STATE\s+APPLIED AT\s+BY\s+DURATION$/m);
    expect(text.out).toMatch(/^0001_add_things\.sql\s+pending\s+-/m);

    const dry = await migrate(['dry-run', '--json', ...common]);
    expect(JSON.parse(dry.out)).toMatchObject({
      pending: [{ name: '0001_add_things.sql', executed: true }],
    });
    const store = openSql(url);
    try {
      const tables = await rows(
        store,
        store.kind === 'sqlite'
          ? "SELECT name FROM sqlite_master WHERE name = 'things'"
          : "SELECT 1 FROM information_schema.tables WHERE table_name = 'things' AND table_schema = current_schema()",
      );
      expect(tables).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('fails with one line on stderr that names the file', async () => {
    const url = await backend.url();
    const dir = writeMigrations({ '0001_things.sql': THINGS_SQL });
    const common = ['--dir', dir, '--store', url, '--no-backup', '--force'];
    expect((await migrate(['up', ...common])).code).toBe(0);

    writeFileSync(path.join(dir, '0001_things.sql'), `${THINGS_SQL}-- edited\n`);
    for (const command of ['validate', 'up']) {
      expectOneLineError(
        await migrate([command, ...common]),
        '0001_things.sql',
        'BW_MIGRATE_CHECKSUM_MISMATCH',
      );
    }
    writeFileSync(path.join(dir, '0001_things.sql'), THINGS_SQL);

    writeMigrations(
      { '0002_bad.sql': 'CREATE TABLE ok_one (id INTEGER);\n\nSELECT nope FROM things;\n' },
      dir,
    );
    const failed = await migrate(['up', ...common]);
    expectOneLineError(failed, '0002_bad.sql:3', 'SELECT nope FROM things', '[BW_MIGRATE_FAILED]');
    expect(failed.out).toContain('failed 0002_bad.sql');

    expectOneLineError(await migrate(['down', 'abc', ...common]), 'positive whole number');
    expect((await migrate(['down', 'abc', ...common])).code).toBe(2);
    expect((await migrate(['up', '--lock-timeout', 'soon', ...common])).code).toBe(2);
  });

  it('lint prints findings and exits 1 when there are any', async () => {
    const url = await backend.url();
    const dir = writeMigrations({
      '0001_things.sql': 'CREATE TABLE things (note TEXT);',
      '0002_index.sql': 'CREATE INDEX things_note ON things (note);',
    });
    const result = await migrate(['lint', '--json', '--dir', dir, '--store', url]);
    expectOneLineError(result, 'lint finding');
    const findings = JSON.parse(result.out) as Array<{ file: string; line: number; rule: string }>;
    expect(findings).toContainEqual(
      expect.objectContaining({
        file: '0002_index.sql',
        line: 1,
        rule: 'require-concurrent-index-creation',
      }),
    );
  });
});

describe('breakwater migrate (store selection, output)', () => {
  it('refuses a Redis store with one line', async () => {
    const result = await migrate(['status', '--store', REDIS_URL, '--dir', tempDir()]);
    expectOneLineError(result, 'migrations need a SQL store');
  });

  it('defaults to ./migrations and the embedded SQLite store under the working directory, with a backup', async () => {
    const cwd = tempDir();
    writeMigrations({ '0001_things.sql': THINGS_SQL }, path.join(cwd, 'migrations'));
    const up = await migrate(['up'], { cwd, env: {} });
    expect(up).toMatchObject({ code: 0, err: '' });
    expect(existsSync(path.join(cwd, '.breakwater/state.db'))).toBe(true);
    const backups = readdirSync(path.join(cwd, '.breakwater/backups'));
    expect(backups).toHaveLength(1);
    expect(up.out).toContain(
      `backup written: ${path.join(cwd, '.breakwater/backups', backups[0] ?? '')}`,
    );
  });

  it('takes the store from BREAKWATER_STORE', async () => {
    const cwd = tempDir();
    const dbFile = path.join(tempDir(), 'elsewhere.db');
    writeMigrations({ '0001_things.sql': THINGS_SQL }, path.join(cwd, 'migrations'));
    const up = await migrate(['up', '--no-backup'], {
      cwd,
      env: { BREAKWATER_STORE: `sqlite:${dbFile}` },
    });
    expect(up.code).toBe(0);
    expect(existsSync(dbFile)).toBe(true);
    expect(existsSync(path.join(cwd, '.breakwater'))).toBe(false);
  });

  it('rewrites one live line per migration on a TTY', async () => {
    const dir = writeMigrations({ '0001_things.sql': THINGS_SQL });
    const store = `sqlite:${path.join(tempDir(), 'tty.db')}`;
    const result = await migrate(['up', '--dir', dir, '--store', store, '--no-backup'], {
      tty: true,
    });
    const clearLine = '\r\u001b[2K';
    expect(result.out).toContain(
      `applying 0001_things.sql ...${clearLine}applied 0001_things.sql (`,
    );
  });

  it('restores a backup written by up', async () => {
    const cwd = tempDir();
    const dbFile = path.join(cwd, 'app.db');
    const store = `sqlite:${dbFile}`;
    writeMigrations({ '0001_things.sql': THINGS_SQL }, path.join(cwd, 'migrations'));
    expect((await migrate(['up', '--store', store, '--no-backup'], { cwd })).code).toBe(0);
    writeMigrations(
      { '0002_more.sql': "INSERT INTO things VALUES ('y');" },
      path.join(cwd, 'migrations'),
    );
    expect((await migrate(['up', '--store', store], { cwd })).code).toBe(0);
    const [backup] = readdirSync(path.join(cwd, '.breakwater/backups'));
    const restored = await migrate(['restore', `.breakwater/backups/${backup}`, '--store', store], {
      cwd,
    });
    expect(restored).toMatchObject({ code: 0, err: '' });
    const status = JSON.parse((await migrate(['status', '--json', '--store', store], { cwd })).out);
    expect(status.map((s: { state: string }) => s.state)).toEqual(['applied', 'pending']);
    expect(readFileSync(dbFile).length).toBeGreaterThan(0);
  });
});
