import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { MigrationFile } from './files.js';
import { type LintFinding, lintSql } from './lint/index.js';
import { parseSqlSections } from './sections.js';

/** Lint findings for the up sections of the SQL files among `files` (modules are skipped). */
export function lintFiles(files: MigrationFile[]): LintFinding[] {
  return files.flatMap((file) => {
    if (file.kind !== 'sql') return [];
    const { up } = parseSqlSections(file.text ?? '', file.name);
    return lintSql(up.sql, { file: file.name, firstLine: up.firstLine });
  });
}

/** Refuses with BW_MIGRATE_LINT_FAILED, listing `file:line rule`, when there are findings. */
export function assertLintClean(files: MigrationFile[]): void {
  const findings = lintFiles(files);
  if (findings.length === 0) return;
  const listed = findings.map((f) => `${f.file ?? '?'}:${f.line} ${f.rule}`).join(', ');
  throw new BreakwaterError(
    errors.MIGRATE_LINT_FAILED,
    `${findings.length} lint finding${findings.length > 1 ? 's' : ''} in pending migrations: ${listed} (fix them, or pass --force / force: true)`,
    { extensions: { findings } },
  );
}
