import { applyPending, type UpOptions } from './apply.js';
import { dryRun } from './dry-run.js';
import { readMigrationDir } from './files.js';
import type { LintFinding } from './lint/index.js';
import { lintFiles } from './lint-files.js';
import { type MigratorOptions, resolveOptions } from './options.js';
import { assertIntact, migrationStatus } from './plan.js';
import { revertLast } from './revert.js';
import { withSession } from './run-session.js';
import { readApplied } from './state-table.js';
import type { AppliedMigration, DryRunResult, MigrationStatus } from './types.js';

/** Runs the migrations of one directory against one SQL store. */
export interface Migrator {
  /** Every file and every applied row with its state; reads only, takes no lock. */
  status(signal?: AbortSignal): Promise<MigrationStatus[]>;
  /** Throws BW_MIGRATE_CHECKSUM_MISMATCH / BW_MIGRATE_MISSING for edited or deleted files. */
  validate(signal?: AbortSignal): Promise<void>;
  /** Applies pending migrations in order; resolves with what was applied. */
  up(options?: UpOptions): Promise<AppliedMigration[]>;
  /** Reverts the last `count` (default 1) applied migrations, newest first. */
  down(count?: number, options?: { signal?: AbortSignal }): Promise<AppliedMigration[]>;
  /** Executes pending migrations in one transaction and rolls it back. */
  dryRun(options?: { signal?: AbortSignal }): Promise<DryRunResult>;
  /** Lint findings for every SQL migration of the directory, applied or not. */
  lint(): Promise<LintFinding[]>;
}

export const DEFAULT_DOWN_COUNT = 1;

/** Creates a migrator; options are checked here (BW_CONFIG_INVALID), nothing is opened yet. */
export function createMigrator(options: MigratorOptions): Migrator {
  const resolved = resolveOptions(options);
  const status = async (signal?: AbortSignal): Promise<MigrationStatus[]> => {
    const files = await readMigrationDir(resolved.dir);
    const rows = await withSession(resolved, false, signal, (session) =>
      readApplied(session, resolved.table),
    );
    return migrationStatus(files, rows);
  };
  return {
    status,
    validate: async (signal) => assertIntact(await status(signal)),
    up: (up) => applyPending(resolved, up),
    down: (count, down) => revertLast(resolved, count ?? DEFAULT_DOWN_COUNT, down?.signal),
    dryRun: (dry) => dryRun(resolved, dry?.signal),
    lint: async () => lintFiles(await readMigrationDir(resolved.dir)),
  };
}
