import { fileURLToPath } from 'node:url';
import { createMigrator, migrateBreakwater } from '../../../src/migrate/index.js';
import type { SqlStore } from '../../../src/store/types.js';

/** The app's migrations for a store kind: `migrations/sqlite/` or `migrations/postgres/`. */
export function migrationsDir(kind: SqlStore['kind']): string {
  return fileURLToPath(new URL(`../migrations/${kind}/`, import.meta.url));
}

/**
 * Brings the database up to date at start-up: Breakwater's own tables first, then this
 * app's migrations (no backup: the service migrates itself on every start).
 */
export async function migrateSchema(store: SqlStore, signal?: AbortSignal): Promise<string[]> {
  await migrateBreakwater(store);
  const migrator = createMigrator({ store, dir: migrationsDir(store.kind) });
  const applied = await migrator.up({ backup: false, ...(signal ? { signal } : {}) });
  return applied.map((migration) => migration.name);
}
