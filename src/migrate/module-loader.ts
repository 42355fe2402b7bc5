import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { MigrationFile } from './files.js';
import type { MigrationModule } from './types.js';

/**
 * Loads a `.ts`/`.js`/`.mjs` migration. TypeScript goes through tsx's API (Node 20 cannot
 * strip types); JavaScript through a plain dynamic import. The module must export `up`;
 * `down` and `validate` are optional. A default export holding them is accepted too.
 */
export async function loadMigrationModule(file: MigrationFile): Promise<MigrationModule> {
  const url = pathToFileURL(file.path).href;
  let loaded: Record<string, unknown>;
  try {
    loaded = file.name.endsWith('.ts') ? await tsImport(url, import.meta.url) : await import(url);
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new BreakwaterError(
      errors.MIGRATE_FILE_INVALID,
      `${file.name}: cannot load: ${message}`,
      {
        cause: error,
      },
    );
  }
  const candidate =
    typeof loaded.up === 'function'
      ? loaded
      : (loaded.default as Record<string, unknown> | undefined);
  if (!candidate || typeof candidate.up !== 'function') {
    throw new BreakwaterError(
      errors.MIGRATE_FILE_INVALID,
      `${file.name}: exports no up() function`,
    );
  }
  for (const optional of ['down', 'validate'] as const) {
    if (candidate[optional] !== undefined && typeof candidate[optional] !== 'function') {
      throw new BreakwaterError(
        errors.MIGRATE_FILE_INVALID,
        `${file.name}: export "${optional}" is not a function`,
      );
    }
  }
  return candidate as unknown as MigrationModule;
}
