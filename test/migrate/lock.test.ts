import { afterAll, expect, it } from 'vitest';
import { hasCode } from '../../src/errors/breakwater-error.js';
import { errors } from '../../src/errors/registry.js';
import { createMigrator } from '../../src/migrate/migrator.js';
import type { MigrationProgress } from '../../src/migrate/types.js';
import type { SqlStore } from '../../src/store/types.js';
import { openSql, rows, writeMigrations } from '../fixtures/migrate/support.js';
import { cleanupBackends, describeBackends } from '../support/backends.js';
import { runTs } from '../support/processes.js';

afterAll(cleanupBackends);

const CLI_CHILD = 'test/fixtures/migrate/cli-child.ts';

/** The gate a `.ts` migration waits on, so a test decides how long the lock is held. */
declare global {
  var __bwMigrationGate: Promise<void> | undefined;
}

describeBackends('migration lock', ['sqlite', 'postgres'], (backend) => {
  const stores: SqlStore[] = [];
  afterAll(async () => {
    for (const store of stores) await store.close();
  });
  const open = (url: string) => {
    const store = openSql(url);
    stores.push(store);
    return store;
  };

  it('two processes running `migrate up` at once apply every migration exactly once', async () => {
    const url = await backend.url();
    const dir = writeMigrations({
      '0001_things.sql': 'CREATE TABLE things (note TEXT NOT NULL);',
      '0002_seed.sql': "INSERT INTO things (note) VALUES ('seeded');",
      '0003_slow.ts': `export async function up(ctx: { exec(sql: string): Promise<void> }) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        await ctx.exec("INSERT INTO things (note) VALUES ('slow')");
      }`,
    });
    const args = ['migrate', 'up', '--dir', dir, '--store', url, '--no-backup', '--force'];
    const [a, b] = await Promise.all([runTs(CLI_CHILD, args), runTs(CLI_CHILD, args)]);
    expect([a.code, b.code], `${a.stderr}\n${b.stderr}`).toEqual([0, 0]);
    const outputs = [a.stdout, b.stdout];
    expect(outputs.filter((out) => out.includes('applied 3 migrations'))).toHaveLength(1);
    expect(outputs.filter((out) => out.includes('nothing to do'))).toHaveLength(1);

    const store = open(url);
    const state = await rows<{ name: string }>(
      store,
      'SELECT name FROM breakwater_migrations ORDER BY name',
    );
    expect(state.map((r) => r.name)).toEqual(['0001_things.sql', '0002_seed.sql', '0003_slow.ts']);
    const notes = await rows<{ note: string }>(store, 'SELECT note FROM things ORDER BY note');
    expect(notes.map((r) => r.note)).toEqual(['seeded', 'slow']);
  });

  /**
   * Starts a run whose only migration waits on a gate, and resolves once it holds the lock.
   * `release()` opens the gate and resolves with what the holder applied.
   */
  async function holdLock(url: string) {
    const dir = writeMigrations({
      '0001_gated.ts': `export async function up(ctx: { exec(sql: string): Promise<void> }) {
        await globalThis.__bwMigrationGate;
        await ctx.exec('CREATE TABLE gated (id INTEGER)');
      }`,
    });
    let openGate = () => {};
    globalThis.__bwMigrationGate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    let holding = () => {};
    const started = new Promise<void>((resolve) => {
      holding = resolve;
    });
    const held = createMigrator({
      store: open(url),
      dir,
      onProgress: (event) => event.type === 'start' && holding(),
    }).up({ backup: false, force: true });
    await started;
    const release = async () => {
      openGate();
      const applied = await held;
      globalThis.__bwMigrationGate = undefined;
      return applied;
    };
    return { dir, openGate, release };
  }

  it('a waiting run times out with BW_MIGRATE_LOCK_TIMEOUT; a patient one finds nothing to do', async () => {
    const url = await backend.url();
    const holder = await holdLock(url);
    try {
      const waitEvents: MigrationProgress[] = [];
      const impatient = createMigrator({
        store: open(url),
        dir: holder.dir,
        lockTimeoutMs: 200,
        onProgress: (event) => waitEvents.push(event),
      });
      const error = await impatient.up({ backup: false, force: true }).catch((e: unknown) => e);
      expect(hasCode(error, errors.MIGRATE_LOCK_TIMEOUT)).toBe(true);
      expect((error as Error).message).toContain('breakwater_migrations');
      expect(waitEvents.map((e) => e.type)).toEqual(['lock-wait']);

      const patientEvents: MigrationProgress[] = [];
      const patient = createMigrator({
        store: open(url),
        dir: holder.dir,
        onProgress: (event) => {
          patientEvents.push(event);
          if (event.type === 'lock-wait') holder.openGate();
        },
      });
      expect(await patient.up({ backup: false, force: true })).toEqual([]);
      expect(patientEvents.map((e) => e.type)).toEqual(['lock-wait', 'lock-acquired']);
    } finally {
      expect((await holder.release()).map((m) => m.name)).toEqual(['0001_gated.ts']);
    }
  });

  it('an aborted wait stops waiting', async () => {
    const url = await backend.url();
    const holder = await holdLock(url);
    try {
      const controller = new AbortController();
      const waiting = createMigrator({
        store: open(url),
        dir: holder.dir,
        onProgress: (event) => event.type === 'lock-wait' && controller.abort(new Error('stop')),
      }).up({ backup: false, force: true, signal: controller.signal });
      await expect(waiting).rejects.toThrow('stop');
    } finally {
      await holder.release();
    }
  });
});
