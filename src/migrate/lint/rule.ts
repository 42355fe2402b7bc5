import type { AlterAction } from './alter-actions.js';
import { type AnalyzedFile, type AnalyzedStatement, isNewTable } from './analyze.js';

/** A finding before suppression: the statement it belongs to and what to do instead. */
export interface RuleHit {
  statement: AnalyzedStatement;
  message: string;
}

/** One lint rule. */
export interface LintRule {
  /** Squawk's name for the check, which users know; used in allow comments. */
  name: string;
  /**
   * True when an allow comment anywhere in the file silences the rule (a rule about the file
   * as a whole); otherwise only a comment in the flagged statement does.
   */
  fileWide?: boolean;
  check(file: AnalyzedFile): RuleHit[];
}

/** A rule that looks at one statement at a time; `check` returns zero or more messages. */
export function statementRule(
  name: string,
  check: (statement: AnalyzedStatement, file: AnalyzedFile) => string | string[] | undefined,
): LintRule {
  return {
    name,
    check: (file) =>
      file.statements.flatMap((statement) => {
        const result = check(statement, file) ?? [];
        const messages = typeof result === 'string' ? [result] : result;
        return messages.map((message) => ({ statement, message }));
      }),
  };
}

/** The ALTER TABLE actions of a statement, unless its table was created earlier in the file. */
export function actionsOnExistingTable(statement: AnalyzedStatement): AlterAction[] {
  const { shape } = statement;
  if (shape.type !== 'alter-table' || isNewTable(statement, shape.table)) return [];
  return shape.actions;
}
