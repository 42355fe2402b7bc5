import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { databaseMessage, functionFailed, statementFailed } from './failure.js';
import { leavesInvalidIndex } from './non-transactional.js';
import type { PreparedMigration } from './prepare.js';
import type { Session } from './session.js';
import type { MigrationContext } from './types.js';

/**
 * Runs the body of a prepared migration on the session, statement by statement, with no
 * transaction handling of its own. Failures become one-line BW_MIGRATE_FAILED errors naming
 * the file, the statement and its line, and the database message.
 */
export async function runBody(
  session: Session,
  migration: PreparedMigration,
  direction: 'up' | 'down',
  signal: AbortSignal | undefined,
): Promise<void> {
  const name = migration.file.name;
  if (migration.kind === 'sql') {
    for (const statement of migration.statements) {
      signal?.throwIfAborted();
      try {
        await session.exec(statement.text);
      } catch (error) {
        throw statementFailed(name, statement, error);
      }
    }
    return;
  }
  const tracked = trackedContext(session, signal ?? new AbortController().signal);
  const fn = direction === 'up' ? migration.module.up : migration.module.down;
  try {
    await fn?.call(migration.module, tracked.context);
  } catch (error) {
    if (signal?.aborted && error === signal.reason) throw error;
    throw functionFailed(name, direction, error, tracked.failedSql(error));
  }
  if (direction === 'down' || migration.module.validate === undefined) return;
  let verdict: boolean | undefined;
  try {
    verdict = await migration.module.validate.call(migration.module, tracked.context);
  } catch (error) {
    throw validationFailed(name, `validate() failed: ${databaseMessage(error)}`, error);
  }
  if (verdict === false) throw validationFailed(name, 'validate() returned false');
}

function validationFailed(file: string, why: string, cause?: unknown): BreakwaterError {
  return new BreakwaterError(errors.MIGRATE_VALIDATION_FAILED, `${file}: ${why}; rolled back`, {
    cause,
    extensions: { file },
  });
}

/** The context handed to module migrations; remembers which SQL threw, for the error. */
function trackedContext(session: Session, signal: AbortSignal) {
  let failure: { error: unknown; sql: string } | undefined;
  const track = async <T>(sql: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      failure = { error, sql };
      throw error;
    }
  };
  const context: MigrationContext = {
    dialect: session.dialect,
    exec: (sql) => track(sql, () => session.exec(sql)),
    query: <T>(sql: string, params?: unknown[]) => track(sql, () => session.query<T>(sql, params)),
    signal,
  };
  return {
    context,
    failedSql: (error: unknown) =>
      failure !== undefined && failure.error === error ? failure.sql : undefined,
  };
}

/**
 * Runs a migration in its own transaction; `record` writes (or deletes) the state row inside
 * it. Any failure rolls everything back.
 */
export async function runInTransaction(
  session: Session,
  migration: PreparedMigration,
  direction: 'up' | 'down',
  signal: AbortSignal | undefined,
  record: () => Promise<void>,
): Promise<void> {
  await session.begin();
  try {
    await runBody(session, migration, direction, signal);
    await record();
    await session.commit();
  } catch (error) {
    await session.rollback();
    throw error;
  }
}

/**
 * Runs a migration that cannot be in a transaction: each statement commits on its own, after
 * `SET lock_timeout` on PostgreSQL so a blocked DDL gives up instead of queueing traffic
 * behind it. The state row is written only after every statement succeeded.
 */
export async function runOutsideTransaction(
  session: Session,
  migration: PreparedMigration,
  direction: 'up' | 'down',
  options: { signal: AbortSignal | undefined; statementLockTimeout: string },
  record: () => Promise<void>,
): Promise<void> {
  const postgres = session.dialect === 'postgres';
  let previous: string | undefined;
  if (postgres) {
    const [row] = await session.query<{ value: string }>(
      "SELECT current_setting('lock_timeout') AS value",
    );
    previous = row?.value;
    await session.query("SELECT set_config('lock_timeout', $1, false)", [
      options.statementLockTimeout,
    ]);
  }
  try {
    await runBody(session, migration, direction, options.signal);
  } catch (error) {
    throw await explainPartialFailure(session, migration, error);
  } finally {
    if (previous !== undefined) {
      await session
        .query("SELECT set_config('lock_timeout', $1, false)", [previous])
        .catch(() => {});
    }
  }
  await record();
}

/** Adds what a non-transactional failure left behind: committed statements, INVALID indexes. */
async function explainPartialFailure(
  session: Session,
  migration: PreparedMigration,
  error: unknown,
): Promise<unknown> {
  if (!(error instanceof BreakwaterError) || error.code !== errors.MIGRATE_FAILED.code)
    return error;
  const statement = String(error.extensions.statement ?? '');
  let note =
    '; it ran outside a transaction, so statements before it stay committed and the migration is not recorded';
  if (session.dialect === 'postgres' && migration.kind === 'sql' && leavesInvalidIndex(statement)) {
    const invalid = await invalidIndexes(session).catch(() => []);
    note += invalid.length
      ? `; it left INVALID index ${invalid.join(', ')}: DROP INDEX CONCURRENTLY it before retrying`
      : '; a failed CONCURRENTLY build can leave an INVALID index: check and drop it before retrying';
  }
  return new BreakwaterError(errors.MIGRATE_FAILED, error.message + note, {
    cause: error.cause,
    extensions: error.extensions,
  });
}

async function invalidIndexes(session: Session): Promise<string[]> {
  const rows = await session.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT i.indisvalid AND n.nspname = current_schema()
      ORDER BY 1`,
  );
  return rows.map((row) => row.name);
}
