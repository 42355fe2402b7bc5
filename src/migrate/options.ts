import path from 'node:path';
import { localActor } from '../admin/actor.js';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { SqlStore } from '../store/types.js';
import { DEFAULT_STATE_TABLE } from './state-table.js';
import type { MigrationProgress } from './types.js';

export interface MigratorOptions {
  store: SqlStore;
  /** The migration directory. */
  dir: string;
  /** State table; default `breakwater_migrations`. Lower-case identifier. */
  table?: string;
  /** How long a run waits for another run's lock; default 60 s. */
  lockTimeoutMs?: number;
  /** Recorded with each applied migration; default `user@host`. */
  appliedBy?: string;
  /** Where `up` writes its backup; default `<cwd>/.breakwater/backups`. */
  backupDir?: string;
  /** PostgreSQL `lock_timeout` for migrations that run outside a transaction; default '5s'. */
  statementLockTimeout?: string;
  /** Time recorded as `applied_at`; default the system clock. */
  clock?: () => Date;
  onProgress?: (event: MigrationProgress) => void;
}

export const DEFAULT_LOCK_TIMEOUT_MS = 60_000;
export const DEFAULT_STATEMENT_LOCK_TIMEOUT = '5s';
/** Relative to the working directory at the time the migrator is created. */
export const DEFAULT_BACKUP_DIR = '.breakwater/backups';

export type ResolvedOptions = Required<Omit<MigratorOptions, 'appliedBy'>> & { appliedBy: string };

const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const PG_DURATION = /^\d+\s*(us|ms|s|min|h|d)?$/;

/** Fills defaults in one place and rejects bad options with BW_CONFIG_INVALID. */
export function resolveOptions(options: MigratorOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    store: options.store,
    dir: path.resolve(options.dir),
    table: options.table ?? DEFAULT_STATE_TABLE,
    lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    appliedBy: options.appliedBy ?? localActor(),
    backupDir: path.resolve(options.backupDir ?? DEFAULT_BACKUP_DIR),
    statementLockTimeout: options.statementLockTimeout ?? DEFAULT_STATEMENT_LOCK_TIMEOUT,
    clock: options.clock ?? (() => new Date()),
    onProgress: options.onProgress ?? (() => {}),
  };
  if (resolved.store?.kind !== 'sqlite' && resolved.store?.kind !== 'postgres') {
    invalid('migrations need a SQL store (sqlite: or postgres://)');
  }
  if (!TABLE_NAME.test(resolved.table)) {
    invalid(`state table "${resolved.table}" must match ${TABLE_NAME.source}`);
  }
  if (!Number.isSafeInteger(resolved.lockTimeoutMs) || resolved.lockTimeoutMs < 0) {
    invalid(`lockTimeoutMs must be a non-negative integer, got ${resolved.lockTimeoutMs}`);
  }
  if (!PG_DURATION.test(resolved.statementLockTimeout)) {
    invalid(
      `statementLockTimeout "${resolved.statementLockTimeout}" must look like 5s, 500ms or 1min`,
    );
  }
  return resolved;
}

function invalid(message: string): never {
  throw new BreakwaterError(errors.CONFIG_INVALID, message);
}
