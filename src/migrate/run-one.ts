import { isBreakwaterError } from '../errors/breakwater-error.js';
import { runInTransaction, runOutsideTransaction } from './execute.js';
import type { ResolvedOptions } from './options.js';
import type { PreparedMigration } from './prepare.js';
import { elapsed } from './run-session.js';
import type { Session } from './session.js';
import { deleteApplied, insertApplied } from './state-table.js';
import type { AppliedMigration } from './types.js';

/**
 * Applies (`up`) or reverts (`down`) one prepared migration and records it: the state row is
 * inserted or deleted in the migration's own transaction, or right after it succeeded when
 * it had to run outside one. Reports start, done and failed progress.
 */
export async function runOne(
  session: Session,
  options: ResolvedOptions,
  migration: PreparedMigration,
  direction: 'up' | 'down',
  signal: AbortSignal | undefined,
): Promise<AppliedMigration> {
  const { name, checksum } = migration.file;
  const { transactional } = migration;
  options.onProgress({ type: 'start', name, direction, transactional });
  const started = performance.now();
  let result: AppliedMigration | undefined;
  const record = async () => {
    result = {
      name,
      checksum,
      appliedAt: options.clock(),
      durationMs: elapsed(started),
      appliedBy: options.appliedBy,
      transactional,
    };
    if (direction === 'up') await insertApplied(session, options.table, result);
    else await deleteApplied(session, options.table, name);
  };
  try {
    if (transactional) await runInTransaction(session, migration, direction, signal, record);
    else {
      const outside = { signal, statementLockTimeout: options.statementLockTimeout };
      await runOutsideTransaction(session, migration, direction, outside, record);
    }
  } catch (error) {
    options.onProgress({ type: 'failed', name, direction, error: oneLine(error) });
    throw error;
  }
  const done = result as AppliedMigration;
  options.onProgress({ type: 'done', name, direction, ms: done.durationMs });
  return done;
}

/** One line for a progress event or a report. */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split('\n')[0] ?? '';
  return isBreakwaterError(error) ? `${line} [${error.code}]` : line;
}
