import { actionsOnExistingTable, statementRule } from '../rule.js';

/** `changing-column-type`: ALTER COLUMN ... TYPE / SET DATA TYPE on an existing table. */
export const changingColumnType = statementRule('changing-column-type', (statement) =>
  actionsOnExistingTable(statement)
    .filter((action) => action.type === 'change-type')
    .map(
      (action) =>
        `changing the type of column ${action.column} usually rewrites the table and its indexes under ` +
        'an ACCESS EXCLUSIVE lock and breaks code that expects the old type: add a new column, ' +
        'backfill it, move readers over, then drop the old one',
    ),
);
