import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { readMigrationDir } from './files.js';
import type { ResolvedOptions } from './options.js';
import { assertIntact, migrationStatus } from './plan.js';
import { type PreparedMigration, prepareMigration } from './prepare.js';
import { runOne } from './run-one.js';
import { withSession } from './run-session.js';
import { readApplied } from './state-table.js';
import type { AppliedMigration } from './types.js';

/**
 * `down`: under the run's lock, reverts the last `count` applied migrations, newest first,
 * each in its own transaction, deleting its state row. Every one of them must be intact and
 * have a down section (or `down()`); otherwise nothing is done.
 */
export async function revertLast(
  options: ResolvedOptions,
  count: number,
  signal: AbortSignal | undefined,
): Promise<AppliedMigration[]> {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new BreakwaterError(
      errors.CONFIG_INVALID,
      `down needs a positive whole count, got ${count}`,
    );
  }
  const files = await readMigrationDir(options.dir);
  return withSession(options, true, signal, async (session) => {
    const statuses = migrationStatus(files, await readApplied(session, options.table));
    const targets = statuses
      .filter((status) => status.state !== 'pending')
      .slice(-count)
      .reverse();
    assertIntact(statuses, new Set(targets.map((target) => target.name)));
    const prepared: PreparedMigration[] = [];
    for (const target of targets) {
      const file = files.find((candidate) => candidate.name === target.name);
      if (file) prepared.push(await prepareMigration(file, 'down', session.dialect));
    }
    const reverted: AppliedMigration[] = [];
    for (const migration of prepared) {
      signal?.throwIfAborted();
      reverted.push(await runOne(session, options, migration, 'down', signal));
    }
    return reverted;
  });
}
