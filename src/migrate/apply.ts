import { backupStore } from './backup.js';
import { readMigrationDir } from './files.js';
import { assertLintClean } from './lint-files.js';
import type { ResolvedOptions } from './options.js';
import { assertIntact, migrationStatus, pendingFiles } from './plan.js';
import { type PreparedMigration, prepareMigration } from './prepare.js';
import { runOne } from './run-one.js';
import { withSession } from './run-session.js';
import { createStateTable, ensureSchema, readApplied } from './state-table.js';
import type { AppliedMigration } from './types.js';

export interface UpOptions {
  /** Stop after this migration (file name, name without extension, or number). */
  to?: string;
  /** Back the store up before applying; default true (skipped for `:memory:`). */
  backup?: boolean;
  /** Apply despite lint findings. */
  force?: boolean;
  signal?: AbortSignal;
}

/**
 * `up`: under the run's lock, checks applied migrations are intact, lints the pending ones
 * (PostgreSQL), backs the store up, then applies each pending migration in order, each in
 * its own transaction unless it cannot be in one. Resolves with what it applied ([] when
 * there was nothing to do).
 */
export async function applyPending(
  options: ResolvedOptions,
  up: UpOptions = {},
): Promise<AppliedMigration[]> {
  const files = await readMigrationDir(options.dir);
  const { store, table } = options;
  return withSession(options, true, up.signal, async (session) => {
    await ensureSchema(session, store.kind === 'postgres' ? store.schema : undefined);
    await createStateTable(session, table);
    const statuses = migrationStatus(files, await readApplied(session, table));
    assertIntact(statuses);
    const pending = pendingFiles(files, statuses, up.to);
    if (pending.length === 0) return [];
    if (store.kind === 'postgres' && up.force !== true) assertLintClean(pending);
    const prepared: PreparedMigration[] = [];
    for (const file of pending) prepared.push(await prepareMigration(file, 'up', session.dialect));
    if (up.backup !== false && !(store.kind === 'sqlite' && store.path === ':memory:')) {
      const result = await backupStore(store, {
        dir: options.backupDir,
        now: options.clock,
        ...(up.signal ? { signal: up.signal } : {}),
      });
      options.onProgress({ type: 'backup', file: result.file, bytes: result.bytes });
    }
    const applied: AppliedMigration[] = [];
    for (const migration of prepared) {
      up.signal?.throwIfAborted();
      applied.push(await runOne(session, options, migration, 'up', up.signal));
    }
    return applied;
  });
}
