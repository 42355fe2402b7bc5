import { splitStatements } from '../split.js';
import { allowedRules } from './allow.js';
import { classify, isConcurrent, type StatementShape } from './classify.js';
import { sameTable, type TableName } from './names.js';
import { scanSql } from './scan.js';

/** One statement of a migration file, with what the file did before it. */
export interface AnalyzedStatement {
  /** 1-based line of the statement's first SQL token (after any leading comments). */
  line: number;
  /** The statement from its first SQL token on, comments inside it kept. */
  text: string;
  /** Scanned code (see scan.ts): what rules match against. */
  code: string;
  shape: StatementShape;
  /** A CONCURRENTLY statement that cannot run in a transaction block. */
  concurrent: boolean;
  /** Rules silenced for this statement by its allow comments. */
  allow: ReadonlySet<string>;
  /** Inside an explicit BEGIN ... COMMIT of the file. */
  inTransaction: boolean;
  /** A `SET [LOCAL] lock_timeout` ran earlier in the file. */
  lockTimeoutSet: boolean;
  /** Tables created by earlier statements of the file. */
  createdBefore: readonly TableName[];
}

export interface AnalyzedFile {
  statements: AnalyzedStatement[];
  /** Rules allowed by a comment anywhere in the file (for file-wide rules). */
  allow: ReadonlySet<string>;
}

/** True when `table` was created earlier in the file, so no one else can be using it. */
export function isNewTable(statement: AnalyzedStatement, table: TableName): boolean {
  return statement.createdBefore.some((created) => sameTable(created, table));
}

/** Splits, scans and classifies a migration file; pure. */
export function analyzeFile(sql: string, firstLine = 1): AnalyzedFile {
  const statements: AnalyzedStatement[] = [];
  const created: TableName[] = [];
  let inTransaction = false;
  let lockTimeoutSet = false;
  let lockTimeoutLocal = false; // SET LOCAL inside the file's own BEGIN: ends at its COMMIT
  for (const raw of splitStatements(sql, firstLine)) {
    const scanned = scanSql(raw.text);
    const shape = classify(scanned.code, scanned.quoted);
    statements.push({
      line: raw.line + countNewlines(raw.text.slice(0, scanned.codeStart)),
      text: raw.text.slice(scanned.codeStart).trim(),
      code: scanned.code,
      shape,
      concurrent: isConcurrent(scanned.code),
      allow: allowedRules(scanned.comments),
      inTransaction,
      lockTimeoutSet: lockTimeoutSet || lockTimeoutLocal,
      createdBefore: [...created],
    });
    if (shape.type === 'create-table') created.push(shape.table);
    else if (shape.type === 'begin') inTransaction = true;
    else if (shape.type === 'end-transaction') {
      inTransaction = false;
      lockTimeoutLocal = false;
    } else if (shape.type === 'set' && shape.lockTimeout) {
      if (shape.local && inTransaction) lockTimeoutLocal = true;
      else lockTimeoutSet = true;
    }
  }
  return { statements, allow: allowedRules(scanSql(sql).comments) };
}

function countNewlines(text: string): number {
  let n = 0;
  for (const ch of text) if (ch === '\n') n++;
  return n;
}
