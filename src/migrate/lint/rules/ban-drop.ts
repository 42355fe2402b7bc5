import { isNewTable } from '../analyze.js';
import { formatTable } from '../names.js';
import { actionsOnExistingTable, statementRule } from '../rule.js';

/** `ban-drop-column`: DROP COLUMN on an existing table. */
export const banDropColumn = statementRule('ban-drop-column', (statement) =>
  actionsOnExistingTable(statement)
    .filter((action) => action.type === 'drop-column')
    .map(
      (action) =>
        `dropping column ${action.column} breaks running instances that still read it and loses ` +
        'its data: stop using it in the code first, deploy, then drop it in a later migration ' +
        'with -- breakwater:allow ban-drop-column',
    ),
);

/** `ban-drop-table`: DROP TABLE of a table that was not created earlier in the file. */
export const banDropTable = statementRule('ban-drop-table', (statement) => {
  const { shape } = statement;
  if (shape.type !== 'drop-table') return undefined;
  const existing = shape.tables.filter((table) => !isNewTable(statement, table));
  if (existing.length === 0) return undefined;
  return (
    `dropping table ${existing.map(formatTable).join(', ')} breaks running instances that still use ` +
    'it and loses its data: stop using it in the code first, deploy, then drop it in a later ' +
    'migration with -- breakwater:allow ban-drop-table'
  );
});
