/** The SQL dialect a migration runs against. */
export type Dialect = 'sqlite' | 'postgres';

/**
 * What `up`, `down` and `validate` of a `.ts`/`.js` migration receive. `query` uses the
 * driver's placeholders: `?` for SQLite, `$1, $2, ...` for PostgreSQL. Inside a transactional
 * migration every call runs in that migration's transaction.
 */
export interface MigrationContext {
  dialect: Dialect;
  /** Runs one or more statements that return nothing. */
  exec(sql: string): Promise<void>;
  /** Runs one statement and returns its rows (an empty array for statements without rows). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Aborted when the caller of the run aborts; long data migrations should check it. */
  signal: AbortSignal;
}

/** The shape a `.ts`/`.js`/`.mjs` migration module exports. */
export interface MigrationModule {
  up(context: MigrationContext): Promise<void> | void;
  down?(context: MigrationContext): Promise<void> | void;
  /** Runs after `up`, in the same transaction; throwing or returning false rolls back. */
  validate?(context: MigrationContext): Promise<boolean | undefined> | boolean | undefined;
}

export type MigrationState = 'applied' | 'pending' | 'edited' | 'missing';

/** One line of `status`: a file, an applied row, or both. */
export interface MigrationStatus {
  name: string;
  state: MigrationState;
  /** SHA-256 (hex) of the file bytes; undefined for a missing file. */
  checksum: string | undefined;
  appliedAt: Date | undefined;
  appliedBy: string | undefined;
  durationMs: number | undefined;
}

/** A migration that `up` applied or `down` reverted. */
export interface AppliedMigration {
  name: string;
  checksum: string;
  /** When it finished (from the migrator's clock). */
  appliedAt: Date;
  durationMs: number;
  appliedBy: string;
  /** False for a PostgreSQL migration that had to run outside a transaction. */
  transactional: boolean;
}

/** One pending migration as `dryRun` saw it. */
export interface DryRunEntry {
  name: string;
  transactional: boolean;
  /** False when it was listed but not executed (see `note`). */
  executed: boolean;
  durationMs: number | undefined;
  note: string | undefined;
}

export interface DryRunResult {
  /** Pending migrations in the order `up` would apply them; everything was rolled back. */
  pending: DryRunEntry[];
}

export type MigrationDirection = 'up' | 'down' | 'dry-run';

/** Progress of a run, for a CLI or a log. */
export type MigrationProgress =
  | { type: 'lock-wait'; table: string; timeoutMs: number }
  | { type: 'lock-acquired'; table: string; waitedMs: number }
  | { type: 'backup'; file: string; bytes: number }
  | { type: 'start'; name: string; direction: MigrationDirection; transactional: boolean }
  | { type: 'done'; name: string; direction: MigrationDirection; ms: number }
  | { type: 'failed'; name: string; direction: MigrationDirection; error: string };
