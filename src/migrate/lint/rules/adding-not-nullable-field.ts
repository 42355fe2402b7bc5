import type { AnalyzedFile, AnalyzedStatement } from '../analyze.js';
import { sameTable } from '../names.js';
import { actionsOnExistingTable, statementRule } from '../rule.js';

const SERIAL = /^(?:small|big)?serial[248]?\b/i;

/** True for a column definition that makes existing rows fail: NOT NULL and nothing to fill it. */
function requiresValue(definition: string): boolean {
  return (
    /\b(?:NOT NULL|PRIMARY KEY)\b/i.test(definition) &&
    !/\b(?:DEFAULT|GENERATED)\b/i.test(definition) &&
    !SERIAL.test(definition)
  );
}

/** True when an earlier statement of the file validated a constraint on the same table. */
function validatedBefore(statement: AnalyzedStatement, file: AnalyzedFile): boolean {
  const { shape } = statement;
  if (shape.type !== 'alter-table') return false;
  return file.statements
    .slice(0, file.statements.indexOf(statement))
    .some(
      (earlier) =>
        earlier.shape.type === 'alter-table' &&
        sameTable(earlier.shape.table, shape.table) &&
        earlier.shape.actions.some((action) => action.type === 'validate-constraint'),
    );
}

/**
 * `adding-not-nullable-field`: a NOT NULL column without a DEFAULT added to an existing table
 * (fails as soon as the table has rows; squawk calls this `adding-required-field`), and
 * `SET NOT NULL`, which scans the whole table under an ACCESS EXCLUSIVE lock.
 */
export const addingNotNullableField = statementRule(
  'adding-not-nullable-field',
  (statement, file) =>
    actionsOnExistingTable(statement).flatMap((action) => {
      if (action.type === 'add-column' && requiresValue(action.definition)) {
        return [
          `ADD COLUMN ${action.column} NOT NULL without a DEFAULT fails on a table that has rows: ` +
            'add it with a constant DEFAULT, or add it nullable, backfill it, then add ' +
            `CHECK (${action.column} IS NOT NULL) NOT VALID and VALIDATE it`,
        ];
      }
      if (action.type === 'set-not-null' && !validatedBefore(statement, file)) {
        return [
          `SET NOT NULL on ${action.column} scans the whole table under an ACCESS EXCLUSIVE lock: ` +
            `first ADD CONSTRAINT ... CHECK (${action.column} IS NOT NULL) NOT VALID, then ` +
            'VALIDATE CONSTRAINT, then SET NOT NULL (PostgreSQL 12+ uses the constraint and skips the scan)',
        ];
      }
      return [];
    }),
);
