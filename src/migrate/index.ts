// Safe migrations: ordered SQL/TypeScript files applied under a lock, one transaction each.
export type { UpOptions } from './apply.js';
export { type BackupResult, backupStore, restoreBackup } from './backup.js';
export { createMigrationFile, migrationSlug } from './create-file.js';
export { type MigrationFile, readMigrationDir } from './files.js';
// Owned by the lint and backup work; re-exported here as the package's one migrate entry.
export { type LintFinding, lintSql } from './lint/index.js';
export { createMigrator, DEFAULT_DOWN_COUNT, type Migrator } from './migrator.js';
export {
  DEFAULT_BACKUP_DIR,
  DEFAULT_LOCK_TIMEOUT_MS,
  DEFAULT_STATEMENT_LOCK_TIMEOUT,
  type MigratorOptions,
} from './options.js';
export { migrateBreakwater, ownMigrationsDir } from './own.js';
export { advisoryLockKey } from './postgres-session.js';
export { type Statement, splitStatements, stripComments } from './split.js';
export { sqliteLockPath } from './sqlite-session.js';
export { DEFAULT_STATE_TABLE, OWN_STATE_TABLE } from './state-table.js';
export type {
  AppliedMigration,
  Dialect,
  DryRunEntry,
  DryRunResult,
  MigrationContext,
  MigrationDirection,
  MigrationModule,
  MigrationProgress,
  MigrationState,
  MigrationStatus,
} from './types.js';
