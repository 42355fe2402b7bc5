import type { Statement } from './split.js';
import { stripComments } from './split.js';
import type { Dialect } from './types.js';

/** PostgreSQL statements that refuse to run inside a transaction block. */
const POSTGRES_PATTERNS: RegExp[] = [
  /^CREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY\b/i,
  /^DROP\s+INDEX\s+CONCURRENTLY\b/i,
  /^REINDEX\b[^;]*\bCONCURRENTLY\b/i,
  /^REFRESH\s+MATERIALIZED\s+VIEW\s+CONCURRENTLY\b/i,
  /^ALTER\s+TYPE\s+[^;]+?\s+ADD\s+VALUE\b/i,
  /^VACUUM\b/i,
  /^(CREATE|DROP)\s+DATABASE\b/i,
];

/** SQLite statements that cannot run inside a transaction. */
const SQLITE_PATTERNS: RegExp[] = [/^VACUUM\b/i];

/** True when the statement cannot run inside a transaction on this dialect. */
export function isNonTransactional(statement: string, dialect: Dialect): boolean {
  const text = stripComments(statement).trim();
  const patterns = dialect === 'postgres' ? POSTGRES_PATTERNS : SQLITE_PATTERNS;
  return patterns.some((pattern) => pattern.test(text));
}

/** The first statement that forces a migration to run outside a transaction, if any. */
export function firstNonTransactional(
  statements: Statement[],
  dialect: Dialect,
): Statement | undefined {
  return statements.find((statement) => isNonTransactional(statement.text, dialect));
}

/** True for a statement whose failure leaves an INVALID index behind (PostgreSQL). */
export function leavesInvalidIndex(statement: string): boolean {
  const text = stripComments(statement).trim();
  return (
    /^CREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY\b/i.test(text) ||
    /^REINDEX\b[^;]*\bCONCURRENTLY\b/i.test(text)
  );
}
