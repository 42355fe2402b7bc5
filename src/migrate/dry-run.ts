import { runBody } from './execute.js';
import { readMigrationDir } from './files.js';
import type { ResolvedOptions } from './options.js';
import { assertIntact, migrationStatus, pendingFiles } from './plan.js';
import { prepareMigration } from './prepare.js';
import { oneLine } from './run-one.js';
import { elapsed, withSession } from './run-session.js';
import { ensureSchema, readApplied } from './state-table.js';
import type { DryRunEntry, DryRunResult } from './types.js';

const SKIPPED_OUTSIDE =
  'not executed: it must run outside a transaction, so a dry run cannot undo it';
const SKIPPED_AFTER = 'not executed: it follows a migration the dry run could not execute';

/**
 * `dry-run`: under the run's lock, executes every pending migration inside one transaction
 * and rolls it back, so nothing is written, not even the state table. Migrations that cannot
 * run in a transaction are listed but not executed, nor is anything after them.
 */
export async function dryRun(
  options: ResolvedOptions,
  signal: AbortSignal | undefined,
): Promise<DryRunResult> {
  const files = await readMigrationDir(options.dir);
  const { store } = options;
  return withSession(options, true, signal, async (session) => {
    await session.begin();
    try {
      await ensureSchema(session, store.kind === 'postgres' ? store.schema : undefined);
      const statuses = migrationStatus(files, await readApplied(session, options.table));
      assertIntact(statuses);
      const entries: DryRunEntry[] = [];
      let executable = true;
      for (const file of pendingFiles(files, statuses)) {
        signal?.throwIfAborted();
        const migration = await prepareMigration(file, 'up', session.dialect);
        const { name } = file;
        const { transactional } = migration;
        if (!transactional) executable = false;
        if (!executable) {
          const note = transactional ? SKIPPED_AFTER : SKIPPED_OUTSIDE;
          entries.push({ name, transactional, executed: false, durationMs: undefined, note });
          continue;
        }
        options.onProgress({ type: 'start', name, direction: 'dry-run', transactional });
        const started = performance.now();
        try {
          await runBody(session, migration, 'up', signal);
        } catch (error) {
          options.onProgress({ type: 'failed', name, direction: 'dry-run', error: oneLine(error) });
          throw error;
        }
        const ms = elapsed(started);
        options.onProgress({ type: 'done', name, direction: 'dry-run', ms });
        entries.push({ name, transactional, executed: true, durationMs: ms, note: undefined });
      }
      return { pending: entries };
    } finally {
      await session.rollback();
    }
  });
}
