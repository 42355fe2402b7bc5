import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { Statement } from './split.js';

/** The first line of an error's message, with the SQLSTATE or SQLite code when there is one. */
export function databaseMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split('\n')[0]?.trim() ?? '';
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' && !first.includes(code)
    ? `${first} (${code})`
    : first;
}

/**
 * The first line of a statement that is not a comment, and its line number in the file,
 * so an error points at the SQL itself rather than at the comment above it.
 */
export function statementHead(statement: Statement): { text: string; line: number } {
  const { text } = statement;
  let i = 0;
  let line = statement.line;
  while (i < text.length) {
    if (text[i] === '\n') {
      line++;
      i++;
    } else if (/\s/.test(text[i] as string)) {
      i++;
    } else if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      for (let j = i; j < stop; j++) if (text[j] === '\n') line++;
      i = stop;
    } else {
      break;
    }
  }
  const rest = text.slice(i);
  const firstLine = rest.split('\n')[0]?.trim() ?? '';
  const short = firstLine.length > 120 ? `${firstLine.slice(0, 117)}...` : firstLine;
  return { text: short, line };
}

/** BW_MIGRATE_FAILED for a statement of a SQL migration, on one line. */
export function statementFailed(
  file: string,
  statement: Statement,
  error: unknown,
  extra = '',
): BreakwaterError {
  const head = statementHead(statement);
  return new BreakwaterError(
    errors.MIGRATE_FAILED,
    `${file}:${head.line}: statement "${head.text}" failed: ${databaseMessage(error)}${extra}`,
    { cause: error, extensions: { file, line: head.line, statement: head.text } },
  );
}

/** BW_MIGRATE_FAILED for a `.ts`/`.js` migration function, on one line. */
export function functionFailed(
  file: string,
  fn: string,
  error: unknown,
  sql?: string,
): BreakwaterError {
  const where = sql === undefined ? '' : ` at statement "${oneLine(sql)}"`;
  return new BreakwaterError(
    errors.MIGRATE_FAILED,
    `${file}: ${fn}() failed${where}: ${databaseMessage(error)}`,
    { cause: error, extensions: { file } },
  );
}

function oneLine(sql: string): string {
  return statementHead({ text: sql, line: 1 }).text;
}
