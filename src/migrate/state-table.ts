import type { AppliedRow } from './plan.js';
import type { Session } from './session.js';

/** The state table of users' migrations. */
export const DEFAULT_STATE_TABLE = 'breakwater_migrations';
/** The state table of Breakwater's own migrations, kept apart from the user's. */
export const OWN_STATE_TABLE = 'breakwater_own_migrations';

/**
 * Reads and writes the table that records applied migrations. Table names are validated by
 * the migrator (lower-case identifiers), so they are safe to interpolate.
 */
export async function stateTableExists(session: Session, table: string): Promise<boolean> {
  const rows =
    session.dialect === 'sqlite'
      ? await session.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [
          table,
        ])
      : await session.query('SELECT 1 FROM pg_class WHERE oid = to_regclass($1)', [table]);
  return rows.length > 0;
}

export async function createStateTable(session: Session, table: string): Promise<void> {
  const timestamp = session.dialect === 'sqlite' ? 'TEXT' : 'TIMESTAMPTZ';
  await session.exec(`CREATE TABLE IF NOT EXISTS ${table} (
    name TEXT PRIMARY KEY,
    checksum TEXT NOT NULL,
    applied_at ${timestamp} NOT NULL,
    duration_ms INTEGER NOT NULL,
    applied_by TEXT NOT NULL
  )`);
}

interface RawRow {
  name: string;
  checksum: string;
  applied_at: string | Date;
  duration_ms: number | string;
  applied_by: string;
}

/** Every applied row; an absent table means nothing was applied. */
export async function readApplied(session: Session, table: string): Promise<AppliedRow[]> {
  if (!(await stateTableExists(session, table))) return [];
  const rows = await session.query<RawRow>(
    `SELECT name, checksum, applied_at, duration_ms, applied_by FROM ${table}`,
  );
  return rows.map((row) => ({
    name: row.name,
    checksum: row.checksum,
    appliedAt: row.applied_at instanceof Date ? row.applied_at : new Date(row.applied_at),
    durationMs: Number(row.duration_ms),
    appliedBy: row.applied_by,
  }));
}

export async function insertApplied(
  session: Session,
  table: string,
  row: AppliedRow,
): Promise<void> {
  const values = [
    row.name,
    row.checksum,
    session.dialect === 'sqlite' ? row.appliedAt.toISOString() : row.appliedAt,
    Math.round(row.durationMs),
    row.appliedBy,
  ];
  const placeholders = session.dialect === 'sqlite' ? '?, ?, ?, ?, ?' : '$1, $2, $3, $4, $5';
  await session.query(
    `INSERT INTO ${table} (name, checksum, applied_at, duration_ms, applied_by) VALUES (${placeholders})`,
    values,
  );
}

export async function deleteApplied(session: Session, table: string, name: string): Promise<void> {
  const placeholder = session.dialect === 'sqlite' ? '?' : '$1';
  await session.query(`DELETE FROM ${table} WHERE name = ${placeholder}`, [name]);
}

/** Creates the store's PostgreSQL schema when the URL named one (call under the run's lock). */
export async function ensureSchema(session: Session, schema: string | undefined): Promise<void> {
  if (session.dialect !== 'postgres' || schema === undefined) return;
  await session.exec(`CREATE SCHEMA IF NOT EXISTS "${schema.replaceAll('"', '""')}"`);
}
