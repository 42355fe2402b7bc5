import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { stripComments } from './split.js';

/** A piece of a SQL migration file and the 1-based line it starts on. */
export interface SqlSection {
  sql: string;
  firstLine: number;
}

export interface SqlSections {
  up: SqlSection;
  /** Undefined when the file has no `-- down` line or the section holds only comments. */
  down: SqlSection | undefined;
}

const DOWN_MARKER = /^\s*--\s*down\s*$/i;

/**
 * Splits a SQL migration at its `-- down` line: everything before is the up section,
 * everything after the down section. A down section with only comments counts as absent,
 * so the template that `create` writes cannot be "reverted" by accident.
 */
export function parseSqlSections(text: string, file: string): SqlSections {
  const lines = text.split('\n');
  const markers = lines.flatMap((line, index) => (DOWN_MARKER.test(line) ? [index] : []));
  if (markers.length > 1) {
    throw new BreakwaterError(
      errors.MIGRATE_FILE_INVALID,
      `${file}: more than one "-- down" line (lines ${markers.map((i) => i + 1).join(', ')})`,
    );
  }
  const marker = markers[0];
  if (marker === undefined) return { up: { sql: text, firstLine: 1 }, down: undefined };
  const up = { sql: lines.slice(0, marker).join('\n'), firstLine: 1 };
  const downSql = lines.slice(marker + 1).join('\n');
  const down =
    stripComments(downSql).trim() === '' ? undefined : { sql: downSql, firstLine: marker + 2 };
  return { up, down };
}
