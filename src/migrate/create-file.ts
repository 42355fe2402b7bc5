import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { parseMigrationName } from './files.js';

/** `Add users!` -> `add_users`; throws when nothing usable is left. */
export function migrationSlug(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (slug === '') {
    throw new BreakwaterError(
      errors.MIGRATE_FILE_INVALID,
      `migration name "${name}" needs at least one letter or digit`,
    );
  }
  return slug;
}

/** The SQL template `create` writes: an up section and a `-- down` section. */
export function migrationTemplate(fileName: string): string {
  return [
    `-- ${fileName}`,
    '-- Up: the statements that make the change, each ending with a semicolon.',
    '',
    '',
    '-- down',
    '-- The statements that undo it. Left empty, `migrate down` refuses to revert this file.',
    '',
  ].join('\n');
}

/**
 * Writes `NNNN_<slug>.sql` with the next number (4 digits, zero-padded) into `dir`, creating
 * the directory when needed, and resolves with its path. Never overwrites a file.
 */
export async function createMigrationFile(dir: string, name: string): Promise<string> {
  const slug = migrationSlug(name);
  await mkdir(dir, { recursive: true });
  const numbers = (await readdir(dir)).flatMap((entry) => {
    const parsed = parseMigrationName(entry);
    return parsed ? [parsed.number] : [];
  });
  const next = Math.max(0, ...numbers) + 1;
  const fileName = `${String(next).padStart(4, '0')}_${slug}.sql`;
  const filePath = path.resolve(dir, fileName);
  await writeFile(filePath, migrationTemplate(fileName), { flag: 'wx' });
  return filePath;
}
