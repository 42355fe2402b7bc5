import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMigrator } from '../../src/migrate/migrator.js';
import { migrateBreakwater, ownMigrationsDir } from '../../src/migrate/own.js';
import type { SqlStore } from '../../src/store/types.js';
import { openSql, rows, userTables, writeMigrations } from '../fixtures/migrate/support.js';
import { cleanupBackends, describeBackends } from '../support/backends.js';

afterAll(cleanupBackends);

describe('ownMigrationsDir', () => {
  it('points at migrations/<dialect> at the package root', () => {
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const dir = ownMigrationsDir(dialect);
      expect(dir).toBe(path.resolve('migrations', dialect) + path.sep);
      expect(existsSync(path.join(dir, '0001_admin_audit.sql'))).toBe(true);
    }
  });
});

describeBackends("Breakwater's own migrations", ['sqlite', 'postgres'], (backend) => {
  const stores: SqlStore[] = [];
  afterAll(async () => {
    for (const store of stores) await store.close();
  });

  it('creates breakwater_admin_audit, recorded apart from the user migrations, once', async () => {
    const store = openSql(await backend.url());
    stores.push(store);
    // other capabilities add their own files after 0001; every one is applied once
    const applied = (await migrateBreakwater(store)).map((m) => m.name);
    expect(applied[0]).toBe('0001_admin_audit.sql');
    expect(await migrateBreakwater(store)).toEqual([]);
    const tables = await userTables(store);
    expect(tables).toContain('breakwater_admin_audit');
    expect(tables).toContain('breakwater_own_migrations');
    expect(tables).not.toContain('breakwater_migrations');
    const recorded = await rows<{ name: string }>(
      store,
      'SELECT name FROM breakwater_own_migrations ORDER BY name',
    );
    expect(recorded.map((r) => r.name)).toEqual([...applied].sort());

    await rows(
      store,
      'INSERT INTO breakwater_admin_audit (actor, action, target, detail) VALUES (?, ?, ?, ?)',
      ['ops@example', 'quota.reset', 'tenant-7', JSON.stringify({ reason: 'support ticket' })],
    );
    const [entry] = await rows<{ id: unknown; at: unknown; detail: string }>(
      store,
      'SELECT id, at, actor, action, target, detail FROM breakwater_admin_audit',
    );
    expect(entry).toMatchObject({
      actor: 'ops@example',
      action: 'quota.reset',
      target: 'tenant-7',
    });
    expect(JSON.parse(entry?.detail ?? '')).toEqual({ reason: 'support ticket' });
    expect(entry?.at).toBeTruthy();

    // the user's own migrator neither sees nor disturbs them
    const user = createMigrator({
      store,
      dir: writeMigrations({ '0001_app.sql': 'CREATE TABLE app_things (id INTEGER);' }),
    });
    expect((await user.status()).map((s) => [s.name, s.state])).toEqual([
      ['0001_app.sql', 'pending'],
    ]);
    await user.up({ backup: false });
    expect(await migrateBreakwater(store)).toEqual([]);
  });
});
