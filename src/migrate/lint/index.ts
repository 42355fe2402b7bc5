import { analyzeFile } from './analyze.js';
import type { LintRule } from './rule.js';
import { addingNotNullableField } from './rules/adding-not-nullable-field.js';
import { banDropColumn, banDropTable } from './rules/ban-drop.js';
import { changingColumnType } from './rules/changing-column-type.js';
import {
  banConcurrentIndexCreationInTransaction,
  requireConcurrentIndexCreation,
  requireConcurrentIndexDeletion,
} from './rules/concurrent-index.js';
import { constraintMissingNotValid, disallowedUniqueConstraint } from './rules/constraints.js';
import { renamingColumn, renamingTable } from './rules/renaming.js';
import { requireLockTimeout } from './rules/require-lock-timeout.js';

export { RULE_ALIASES } from './allow.js';

/** One problem in a PostgreSQL migration, with what to do instead. */
export interface LintFinding {
  /** The rule's name (squawk's), as used in `-- breakwater:allow <rule>`. */
  rule: string;
  message: string;
  file?: string;
  /** 1-based line in the file where the statement's SQL starts. */
  line: number;
  /** The statement, from its first SQL token on. */
  statement: string;
}

const RULES: readonly LintRule[] = [
  addingNotNullableField,
  requireConcurrentIndexCreation,
  requireConcurrentIndexDeletion,
  banConcurrentIndexCreationInTransaction,
  constraintMissingNotValid,
  disallowedUniqueConstraint,
  changingColumnType,
  renamingColumn,
  renamingTable,
  banDropColumn,
  banDropTable,
  requireLockTimeout,
];

/** Every rule name, for docs and `--help`. */
export const LINT_RULES: readonly string[] = Object.freeze(RULES.map((rule) => rule.name));

/**
 * Lints the SQL of one PostgreSQL migration file for statements that lock or break a live
 * database, and says what to do instead. Pure: no I/O. `firstLine` is the file line the SQL
 * starts on (for an up/down section); findings come in file order.
 */
export function lintSql(
  sql: string,
  options: { file?: string; firstLine?: number } = {},
): LintFinding[] {
  const file = analyzeFile(sql, options.firstLine ?? 1);
  const findings: LintFinding[] = [];
  for (const rule of RULES) {
    for (const hit of rule.check(file)) {
      if (hit.statement.allow.has(rule.name)) continue;
      if (rule.fileWide && file.allow.has(rule.name)) continue;
      findings.push({
        rule: rule.name,
        message: hit.message,
        ...(options.file === undefined ? {} : { file: options.file }),
        line: hit.statement.line,
        statement: hit.statement.text,
      });
    }
  }
  return findings.sort((a, b) => a.line - b.line);
}
