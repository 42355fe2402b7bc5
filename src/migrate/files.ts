import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';

/** A migration file found in a directory, read once so its checksum matches what runs. */
export interface MigrationFile {
  /** The file name, e.g. `0003_add_users.sql`; this is what the state table records. */
  name: string;
  number: number;
  path: string;
  kind: 'sql' | 'module';
  /** SHA-256 (hex) of the file bytes. */
  checksum: string;
  /** The file text (SQL files only). */
  text: string | undefined;
}

const MIGRATION_NAME = /^(\d+)_(.+)\.(sql|ts|js|mjs)$/;

/** The number and kind of a migration file name, or undefined for a file that is not one. */
export function parseMigrationName(
  fileName: string,
): { number: number; kind: 'sql' | 'module' } | undefined {
  const match = MIGRATION_NAME.exec(fileName);
  if (!match || fileName.endsWith('.d.ts')) return undefined;
  return { number: Number(match[1]), kind: match[3] === 'sql' ? 'sql' : 'module' };
}

/** Orders names by migration number; two files with one number are an error naming both. */
export function orderByNumber<T extends { name: string; number: number }>(items: T[]): T[] {
  const sorted = [...items].sort((a, b) => a.number - b.number || a.name.localeCompare(b.name));
  for (let i = 1; i < sorted.length; i++) {
    const [prev, cur] = [sorted[i - 1] as T, sorted[i] as T];
    if (prev.number === cur.number) {
      throw new BreakwaterError(
        errors.MIGRATE_DIR_INVALID,
        `two migrations share number ${cur.number}: ${prev.name} and ${cur.name}`,
      );
    }
  }
  return sorted;
}

/** Reads every migration of a directory, in order. Other files are ignored. */
export async function readMigrationDir(dir: string): Promise<MigrationFile[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'ENOTDIR'
          ? 'is not a directory'
          : String(code);
    throw new BreakwaterError(errors.MIGRATE_DIR_INVALID, `migration directory ${dir} ${why}`, {
      cause: error,
    });
  }
  const found = entries.flatMap((entry) => {
    const parsed = entry.isFile() ? parseMigrationName(entry.name) : undefined;
    return parsed ? [{ name: entry.name, ...parsed }] : [];
  });
  return Promise.all(
    orderByNumber(found).map(async (file) => {
      const filePath = path.join(dir, file.name);
      const bytes = await readFile(filePath);
      return {
        ...file,
        path: filePath,
        checksum: checksum(bytes),
        text: file.kind === 'sql' ? bytes.toString('utf8') : undefined,
      };
    }),
  );
}

export function checksum(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
