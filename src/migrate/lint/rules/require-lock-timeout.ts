import { type AnalyzedStatement, isNewTable } from '../analyze.js';
import type { LintRule } from '../rule.js';

/** True for DDL that takes a strong lock on something that existed before the file. */
function locksExisting(statement: AnalyzedStatement): boolean {
  const { shape } = statement;
  switch (shape.type) {
    case 'alter-table':
    case 'create-trigger':
      return !isNewTable(statement, shape.table);
    case 'create-index':
      return !shape.concurrently && !isNewTable(statement, shape.table);
    case 'drop-index':
      return !shape.concurrently;
    case 'drop-table':
      return shape.tables.some((table) => !isNewTable(statement, table));
    case 'drop-other':
      return true;
    default:
      return false;
  }
}

/**
 * `require-lock-timeout`: DDL on existing objects with no `SET [LOCAL] lock_timeout` before
 * it. One finding per file, at the first such statement; an allow comment anywhere in the
 * file silences it.
 */
export const requireLockTimeout: LintRule = {
  name: 'require-lock-timeout',
  fileWide: true,
  check: (file) => {
    const first = file.statements.find((s) => locksExisting(s) && !s.lockTimeoutSet);
    if (!first) return [];
    return [
      {
        statement: first,
        message:
          'this statement waits for a lock on an existing object, and every query on it queues ' +
          "behind the wait: put SET lock_timeout = '5s' (or SET LOCAL lock_timeout) at the top " +
          'of the file and retry the migration when it times out',
      },
    ];
  },
};
