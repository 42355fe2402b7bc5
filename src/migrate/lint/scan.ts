/** One statement's text as the lint rules see it. */
export interface ScannedSql {
  /**
   * The SQL with comments removed, string literals ('...', E'...', $tag$...$tag$) reduced to
   * `''`, quoted identifiers replaced by `"#<n>"` placeholders and whitespace collapsed to
   * single spaces, so that no comment, string or identifier content can match a rule.
   */
  code: string;
  /** Every `--` and `/* *\/` comment, in order (where allow comments are looked for). */
  comments: string[];
  /** The quoted identifiers, unescaped, indexed by placeholder number. */
  quoted: string[];
  /** Offset of the first character that is neither whitespace nor comment. */
  codeStart: number;
}

const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;

/** Scans one statement (or a whole file) into code, comments and quoted identifiers. */
export function scanSql(sql: string): ScannedSql {
  let code = '';
  const comments: string[] = [];
  const quoted: string[] = [];
  let codeStart = -1;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    const prev = sql[i - 1] ?? '';
    if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      comments.push(sql.slice(i, stop));
      code += ' ';
      i = stop;
      continue;
    }
    if (ch === '/' && next === '*') {
      const stop = blockCommentEnd(sql, i);
      comments.push(sql.slice(i, stop));
      code += ' ';
      i = stop;
      continue;
    }
    if (codeStart < 0 && !/\s/.test(ch)) codeStart = i;
    const tag = ch === '$' && !/\w/.test(prev) ? DOLLAR_TAG.exec(sql.slice(i))?.[0] : undefined;
    if (ch === "'") {
      const escapes = /[eE]/.test(prev) && !/\w/.test(sql[i - 2] ?? '');
      i = quotedEnd(sql, i, "'", escapes);
      code += " '' ";
    } else if (ch === '"') {
      const stop = quotedEnd(sql, i, '"', false);
      const closed = stop > i + 1 && sql[stop - 1] === '"';
      quoted.push(sql.slice(i + 1, closed ? stop - 1 : stop).replaceAll('""', '"'));
      code += ` "#${quoted.length - 1}" `;
      i = stop;
    } else if (tag) {
      const close = sql.indexOf(tag, i + tag.length);
      i = close === -1 ? sql.length : close + tag.length;
      code += " '' ";
    } else {
      code += ch;
      i++;
    }
  }
  return {
    code: code.replace(/\s+/g, ' ').trim(),
    comments,
    quoted,
    codeStart: codeStart < 0 ? sql.length : codeStart,
  };
}

function blockCommentEnd(sql: string, from: number): number {
  let nesting = 0;
  let i = from;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      nesting++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      nesting--;
      i += 2;
      if (nesting === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}

function quotedEnd(sql: string, from: number, quote: string, backslashEscapes: boolean): number {
  let i = from + 1;
  while (i < sql.length) {
    const ch = sql[i];
    if (backslashEscapes && ch === '\\') i += 2;
    else if (ch !== quote) i++;
    else if (sql[i + 1] === quote) i += 2;
    else return i + 1;
  }
  return sql.length;
}
