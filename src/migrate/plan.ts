import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { MigrationFile } from './files.js';
import type { MigrationStatus } from './types.js';

/** A row of the state table. */
export interface AppliedRow {
  name: string;
  checksum: string;
  appliedAt: Date;
  durationMs: number;
  appliedBy: string;
}

const numberOf = (name: string): number => Number(/^(\d+)_/.exec(name)?.[1] ?? Number.NaN);

/** Every file and every applied row, in migration order, with its state. */
export function migrationStatus(files: MigrationFile[], rows: AppliedRow[]): MigrationStatus[] {
  const byName = new Map(rows.map((row) => [row.name, row]));
  const fileNames = new Set(files.map((file) => file.name));
  const entries: Array<MigrationStatus & { number: number }> = files.map((file) => {
    const row = byName.get(file.name);
    return {
      name: file.name,
      number: file.number,
      state: row === undefined ? 'pending' : row.checksum === file.checksum ? 'applied' : 'edited',
      checksum: file.checksum,
      appliedAt: row?.appliedAt,
      appliedBy: row?.appliedBy,
      durationMs: row?.durationMs,
    };
  });
  for (const row of rows) {
    if (fileNames.has(row.name)) continue;
    entries.push({
      name: row.name,
      number: numberOf(row.name),
      state: 'missing',
      checksum: undefined,
      appliedAt: row.appliedAt,
      appliedBy: row.appliedBy,
      durationMs: row.durationMs,
    });
  }
  entries.sort((a, b) => a.number - b.number || a.name.localeCompare(b.name));
  return entries.map(({ number: _, ...status }) => status);
}

/**
 * Throws when an applied migration was edited (BW_MIGRATE_CHECKSUM_MISMATCH) or deleted
 * (BW_MIGRATE_MISSING), naming the files; `only` limits the check to some names.
 */
export function assertIntact(statuses: MigrationStatus[], only?: Set<string>): void {
  const relevant = only ? statuses.filter((s) => only.has(s.name)) : statuses;
  const edited = relevant.filter((s) => s.state === 'edited').map((s) => s.name);
  if (edited.length > 0) {
    throw new BreakwaterError(
      errors.MIGRATE_CHECKSUM_MISMATCH,
      `applied migration${edited.length > 1 ? 's' : ''} ${edited.join(', ')} changed since ${edited.length > 1 ? 'they were' : 'it was'} applied (checksum mismatch); restore the file and put the change in a new migration`,
    );
  }
  const missing = relevant.filter((s) => s.state === 'missing').map((s) => s.name);
  if (missing.length > 0) {
    throw new BreakwaterError(
      errors.MIGRATE_MISSING,
      `applied migration${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing from the migration directory`,
    );
  }
}

/**
 * The files still to apply, in order, stopping after `to` (a file name, its stem, or its
 * number) when given. An unknown `to` is an error.
 */
export function pendingFiles(
  files: MigrationFile[],
  statuses: MigrationStatus[],
  to?: string,
): MigrationFile[] {
  const pendingNames = new Set(statuses.filter((s) => s.state === 'pending').map((s) => s.name));
  let limit = Number.POSITIVE_INFINITY;
  if (to !== undefined) {
    const target = files.find((file) => matchesTarget(file, to));
    if (!target) {
      throw new BreakwaterError(errors.CONFIG_INVALID, `migration "${to}" is not in the directory`);
    }
    limit = target.number;
  }
  return files.filter((file) => pendingNames.has(file.name) && file.number <= limit);
}

function matchesTarget(file: MigrationFile, to: string): boolean {
  if (file.name === to || file.name.replace(/\.[^.]+$/, '') === to) return true;
  return /^\d+$/.test(to) && Number(to) === file.number;
}
