import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMigrator } from '../../src/migrate/migrator.js';
import { openSql, rows, writeMigrations } from '../fixtures/migrate/support.js';
import { cleanupBackends, tempDir } from '../support/backends.js';
import { runTs } from '../support/processes.js';

afterAll(cleanupBackends);

/** The `ts example` block of docs/migrations.md, pointed at the sources instead of the package. */
function docsExample(): string {
  const doc = readFileSync('docs/migrations.md', 'utf8');
  const code = /```ts example\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!code) throw new Error('docs/migrations.md has no ```ts example block');
  return code
    .replace("'breakwater/migrate'", JSON.stringify(path.resolve('src/migrate/index.ts')))
    .replace("'breakwater/store'", JSON.stringify(path.resolve('src/store/index.ts')));
}

/** The `sql migration` and `ts migration` blocks of the file format section. */
function docsMigrations(): { sql: string; ts: string } {
  const doc = readFileSync('docs/migrations.md', 'utf8');
  const block = (lang: string) => {
    const code = new RegExp(`\`\`\`${lang} migration\n([\\s\\S]*?)\`\`\``).exec(doc)?.[1];
    if (!code) throw new Error(`docs/migrations.md has no \`\`\`${lang} migration block`);
    return code;
  };
  return { sql: block('sql'), ts: block('ts') };
}

describe('docs/migrations.md', () => {
  it('shows migrations that apply, validate and revert as described', async () => {
    const { sql, ts } = docsMigrations();
    const dir = writeMigrations({ '0001_create_users.sql': sql, '0002_backfill.ts': ts });
    const store = openSql(`sqlite:${path.join(tempDir(), 'docs.db')}`);
    try {
      const migrator = createMigrator({ store, dir });
      await migrator.up({ to: '0001', backup: false });
      await rows(store, "INSERT INTO users (email) VALUES ('Ada@Example.com')");
      expect((await migrator.up({ backup: false })).map((m) => m.name)).toEqual([
        '0002_backfill.ts',
      ]);
      expect(await rows(store, 'SELECT email FROM users')).toEqual([{ email: 'ada@example.com' }]);
      await expect(migrator.down()).rejects.toThrow(
        /0002_backfill\.ts exports no down\(\) function/,
      );
    } finally {
      await store.close();
    }
  });

  it('runs its example as written', async () => {
    const file = path.join(tempDir(), 'example.mts');
    writeFileSync(file, docsExample());
    const result = await runTs(file);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("[ '0001_users.sql' ]");
    expect(result.stdout).toContain("[ '0001_users.sql applied' ]");
    expect(result.stdout).toContain('backup');
  });
});
