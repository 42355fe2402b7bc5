import { fileURLToPath } from 'node:url';
import type { SqlStore } from '../store/types.js';
import { createMigrator } from './migrator.js';
import { OWN_STATE_TABLE } from './state-table.js';
import type { AppliedMigration, Dialect } from './types.js';

/**
 * Breakwater's own migration directory for a dialect: `migrations/<dialect>` at the package
 * root, found from this module's location so it works from `src` (tsx) and from `dist`.
 */
export function ownMigrationsDir(dialect: Dialect): string {
  return fileURLToPath(new URL(`../../migrations/${dialect}/`, import.meta.url));
}

/**
 * Creates or upgrades Breakwater's own tables with the same runner, recorded in
 * `breakwater_own_migrations`, apart from the user's migrations. No backup, no lint.
 */
export function migrateBreakwater(
  store: SqlStore,
  options: { signal?: AbortSignal } = {},
): Promise<AppliedMigration[]> {
  const migrator = createMigrator({
    store,
    dir: ownMigrationsDir(store.kind),
    table: OWN_STATE_TABLE,
  });
  return migrator.up({ backup: false, force: true, ...options });
}
