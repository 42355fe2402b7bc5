import { formatTable } from '../names.js';
import { actionsOnExistingTable, statementRule } from '../rule.js';

/**
 * `constraint-missing-not-valid`: ADD CONSTRAINT ... CHECK or FOREIGN KEY on an existing table
 * without NOT VALID, which checks every row while holding the lock (squawk's
 * `adding-foreign-key-constraint` is accepted as an alias in allow comments).
 */
export const constraintMissingNotValid = statementRule(
  'constraint-missing-not-valid',
  (statement) =>
    actionsOnExistingTable(statement).flatMap((action) => {
      if (action.type !== 'add-constraint' || action.notValid) return [];
      if (action.kind === 'foreign-key') {
        return [
          'ADD FOREIGN KEY checks every row while blocking writes to both tables ' +
            '(adding-foreign-key-constraint): add it with NOT VALID, then run ' +
            'ALTER TABLE ... VALIDATE CONSTRAINT in a later migration',
        ];
      }
      if (action.kind === 'check') {
        return [
          'ADD CHECK scans every row under an ACCESS EXCLUSIVE lock: add it with NOT VALID, then ' +
            'run ALTER TABLE ... VALIDATE CONSTRAINT in a later migration',
        ];
      }
      return [];
    }),
);

/**
 * `disallowed-unique-constraint`: ADD UNIQUE or PRIMARY KEY on an existing table without
 * USING INDEX, which builds the index under an ACCESS EXCLUSIVE lock.
 */
export const disallowedUniqueConstraint = statementRule(
  'disallowed-unique-constraint',
  (statement) =>
    actionsOnExistingTable(statement).flatMap((action) => {
      if (action.type !== 'add-constraint' || action.usingIndex) return [];
      if (action.kind !== 'unique' && action.kind !== 'primary-key') return [];
      const shape = statement.shape.type === 'alter-table' ? statement.shape : undefined;
      const table = shape ? formatTable(shape.table) : 'the table';
      const kind = action.kind === 'unique' ? 'UNIQUE' : 'PRIMARY KEY';
      return [
        `ADD ${kind} builds its index while blocking reads and writes of ${table}: ` +
          'CREATE UNIQUE INDEX CONCURRENTLY in a migration of its own, then ' +
          `ADD CONSTRAINT ... ${kind} USING INDEX <index>`,
      ];
    }),
);
