import type { Dialect } from './filter-sql.js';
import { JOBS_TABLE as J } from './store.js';

const LIVE = `('pending', 'processing', 'retrying')`;
const and = (conditions: readonly string[]): string => conditions.map((c) => `AND ${c}`).join(' ');

/**
 * Redrive makes matching dead-letter, cancelled or retrying jobs pending now (parameters 1
 * and 2 are the clock reading; filter parameters follow). A job with a dedupe key is left
 * alone while a live job holds that key, and only the newest of several dead ones moves.
 */
export function redriveSql(dialect: Dialect, conditions: readonly string[]): string {
  return `UPDATE ${J} SET state = 'pending', run_at = ${dialect.param(1)},
      attempts = CASE WHEN state = 'retrying' THEN attempts ELSE 0 END,
      finished_at = NULL, updated_at = ${dialect.param(2)}
    WHERE state IN ('dead_letter', 'cancelled', 'retrying') ${and(conditions)}
      AND (dedupe_key IS NULL OR state = 'retrying' OR (
        NOT EXISTS (SELECT 1 FROM ${J} l WHERE l.dedupe_key = ${J}.dedupe_key
          AND l.state IN ${LIVE})
        AND id = (SELECT max(d.id) FROM ${J} d WHERE d.dedupe_key = ${J}.dedupe_key
          AND d.state IN ('dead_letter', 'cancelled'))))`;
}

/** The ids of finished jobs (the only ones purge deletes) matching the conditions. */
export function purgeIdsSql(conditions: readonly string[]): string {
  return `SELECT id FROM ${J} WHERE state IN ('completed', 'dead_letter', 'cancelled')
    ${and(conditions)}`;
}

/** Newest first; the limit is bound at parameter `limitParam`. */
export function listSql(where: string, limitParam: string): string {
  return `SELECT * FROM ${J} ${where} ORDER BY id DESC LIMIT ${limitParam}`;
}
