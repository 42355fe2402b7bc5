import { isNewTable } from '../analyze.js';
import { formatTable } from '../names.js';
import { statementRule } from '../rule.js';

/** `require-concurrent-index-creation`: CREATE INDEX without CONCURRENTLY on an existing table. */
export const requireConcurrentIndexCreation = statementRule(
  'require-concurrent-index-creation',
  (statement) => {
    const { shape } = statement;
    if (shape.type !== 'create-index' || shape.concurrently) return undefined;
    if (isNewTable(statement, shape.table)) return undefined;
    return (
      `CREATE INDEX without CONCURRENTLY blocks writes to ${formatTable(shape.table)} for the ` +
      'whole build: use CREATE INDEX CONCURRENTLY, alone in a migration file of its own'
    );
  },
);

/** `require-concurrent-index-deletion`: DROP INDEX without CONCURRENTLY. */
export const requireConcurrentIndexDeletion = statementRule(
  'require-concurrent-index-deletion',
  ({ shape }) =>
    shape.type === 'drop-index' && !shape.concurrently
      ? 'DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on its table: use ' +
        'DROP INDEX CONCURRENTLY, alone in a migration file of its own'
      : undefined,
);

/**
 * `ban-concurrent-index-creation-in-transaction`: a CONCURRENTLY statement inside the file's
 * own BEGIN ... COMMIT (PostgreSQL refuses it), or next to other statements: the runner runs
 * such a file outside a transaction, so those statements would not be atomic.
 */
export const banConcurrentIndexCreationInTransaction = statementRule(
  'ban-concurrent-index-creation-in-transaction',
  (statement, file) => {
    if (!statement.concurrent) return undefined;
    const what =
      statement.shape.type === 'create-index' ? 'CREATE INDEX CONCURRENTLY' : 'CONCURRENTLY';
    if (statement.inTransaction) {
      return (
        `${what} cannot run inside a transaction block: remove the BEGIN/COMMIT around it ` +
        '(the runner already runs a CONCURRENTLY file outside a transaction)'
      );
    }
    const others = file.statements.filter((s) => s !== statement && s.shape.type !== 'set');
    if (others.length === 0) return undefined;
    return (
      `${what} runs outside a transaction, so the other statements of this file ` +
      `(first at line ${others[0]?.line}) would not be atomic: move it to a migration file of ` +
      'its own (SET statements may stay)'
    );
  },
);
