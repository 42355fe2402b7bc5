import { formatTable } from '../names.js';
import { actionsOnExistingTable, statementRule } from '../rule.js';

/** `renaming-column`: RENAME COLUMN on an existing table. */
export const renamingColumn = statementRule('renaming-column', (statement) =>
  actionsOnExistingTable(statement)
    .filter((action) => action.type === 'rename-column')
    .map(
      (action) =>
        `renaming column ${action.column} to ${action.to} breaks every running instance that still ` +
        'uses the old name: add the new column, write both, move readers over, then drop the ' +
        'old one in a later release',
    ),
);

/** `renaming-table`: ALTER TABLE ... RENAME TO on an existing table. */
export const renamingTable = statementRule('renaming-table', (statement) =>
  actionsOnExistingTable(statement)
    .filter((action) => action.type === 'rename-table')
    .map((action) => {
      const from = statement.shape.type === 'alter-table' ? formatTable(statement.shape.table) : '';
      return (
        `renaming table ${from} to ${action.to} breaks every running instance that still uses the ` +
        'old name: create the new table (or a view under the new name), move code over, then ' +
        'drop the old name in a later release'
      );
    }),
);
