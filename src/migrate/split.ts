/** One SQL statement of a migration, with the 1-based line it starts on in its file. */
export interface Statement {
  text: string;
  line: number;
}

/**
 * Splits SQL into statements at top-level semicolons. Understands '...' and E'...' strings,
 * "identifiers", -- and nested /* *\/ comments, $tag$ dollar quoting (PostgreSQL) and the
 * BEGIN ... END body of CREATE TRIGGER (SQLite). Comments stay attached to the statement
 * that follows them; statements that are only comments are dropped.
 */
export function splitStatements(sql: string, firstLine = 1): Statement[] {
  const statements: Statement[] = [];
  let start = 0;
  let line = firstLine;
  let startLine = firstLine;
  let depth = 0; // BEGIN/CASE ... END nesting inside CREATE TRIGGER
  let i = 0;

  const push = (end: number) => {
    const text = sql.slice(start, end).trim();
    if (stripComments(text).trim() !== '') {
      const leading = sql.slice(start, end).match(/^\s*/)?.[0] ?? '';
      statements.push({ text, line: startLine + countNewlines(leading) });
    }
  };

  while (i < sql.length) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    if (ch === '\n') {
      line++;
      i++;
    } else if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
    } else if (ch === '/' && next === '*') {
      i = skipBlockComment(sql, i, (n) => {
        line += n;
      });
    } else if (ch === "'" || ch === '"' || ch === '`') {
      const escapes = ch === "'" && /[eE]/.test(sql[i - 1] ?? '') && !/\w/.test(sql[i - 2] ?? '');
      const end = skipQuoted(sql, i, ch, escapes);
      line += countNewlines(sql.slice(i, end));
      i = end;
    } else if (ch === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i))?.[0];
      if (tag && !/\w/.test(sql[i - 1] ?? '')) {
        const close = sql.indexOf(tag, i + tag.length);
        const end = close === -1 ? sql.length : close + tag.length;
        line += countNewlines(sql.slice(i, end));
        i = end;
      } else {
        i++;
      }
    } else if (/[A-Za-z_]/.test(ch) && !/\w/.test(sql[i - 1] ?? '')) {
      const word = /^[A-Za-z_]\w*/.exec(sql.slice(i))?.[0] ?? ch;
      const upper = word.toUpperCase();
      if (isTrigger(sql.slice(start, i))) {
        if (upper === 'BEGIN' || upper === 'CASE') depth++;
        else if (upper === 'END') depth = Math.max(0, depth - 1);
      }
      i += word.length;
    } else if (ch === ';' && depth === 0) {
      push(i);
      i++;
      start = i;
      startLine = line;
    } else {
      i++;
    }
  }
  push(sql.length);
  return statements;
}

/** The text with comments removed (strings and quoted identifiers kept intact). */
export function stripComments(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
    } else if (ch === '/' && next === '*') {
      i = skipBlockComment(sql, i, () => {});
      out += ' ';
    } else if (ch === "'" || ch === '"') {
      const end = skipQuoted(sql, i, ch, false);
      out += sql.slice(i, end);
      i = end;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

function isTrigger(prefix: string): boolean {
  return /^\s*CREATE\s+(TEMP\s+|TEMPORARY\s+)?TRIGGER\b/i.test(stripComments(prefix));
}

function skipBlockComment(sql: string, from: number, onNewlines: (n: number) => void): number {
  let nesting = 0;
  let i = from;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      nesting++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      nesting--;
      i += 2;
      if (nesting === 0) break;
    } else {
      if (sql[i] === '\n') onNewlines(1);
      i++;
    }
  }
  return i;
}

function skipQuoted(sql: string, from: number, quote: string, backslashEscapes: boolean): number {
  let i = from + 1;
  while (i < sql.length) {
    const ch = sql[i];
    if (backslashEscapes && ch === '\\') {
      i += 2;
    } else if (ch === quote) {
      if (sql[i + 1] === quote)
        i += 2; // doubled quote is an escaped quote
      else return i + 1;
    } else {
      i++;
    }
  }
  return sql.length;
}

function countNewlines(text: string): number {
  let n = 0;
  for (const ch of text) if (ch === '\n') n++;
  return n;
}
