import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { MigrationFile } from './files.js';
import { loadMigrationModule } from './module-loader.js';
import { firstNonTransactional } from './non-transactional.js';
import { parseSqlSections } from './sections.js';
import { type Statement, splitStatements } from './split.js';
import type { Dialect, MigrationModule } from './types.js';

/** A migration ready to run in one direction: its statements or its module function. */
export type PreparedMigration =
  | { file: MigrationFile; kind: 'sql'; statements: Statement[]; transactional: boolean }
  | { file: MigrationFile; kind: 'module'; module: MigrationModule; transactional: true };

/**
 * Parses (SQL) or loads (module) a migration for `up` or `down`. A missing down section or
 * `down()` is BW_MIGRATE_NO_DOWN naming the file. SQL that cannot run in a transaction
 * (CREATE INDEX CONCURRENTLY, VACUUM, ...) makes the migration non-transactional.
 */
export async function prepareMigration(
  file: MigrationFile,
  direction: 'up' | 'down',
  dialect: Dialect,
): Promise<PreparedMigration> {
  if (file.kind === 'module') {
    const module = await loadMigrationModule(file);
    if (direction === 'down' && typeof module.down !== 'function')
      throw noDown(file.name, 'exports no down() function');
    return { file, kind: 'module', module, transactional: true };
  }
  const sections = parseSqlSections(file.text ?? '', file.name);
  const section = direction === 'up' ? sections.up : sections.down;
  if (section === undefined) throw noDown(file.name, 'has no "-- down" section');
  const statements = splitStatements(section.sql, section.firstLine);
  return {
    file,
    kind: 'sql',
    statements,
    transactional: firstNonTransactional(statements, dialect) === undefined,
  };
}

function noDown(file: string, why: string): BreakwaterError {
  return new BreakwaterError(errors.MIGRATE_NO_DOWN, `${file} ${why}; nothing was reverted`, {
    extensions: { file },
  });
}
