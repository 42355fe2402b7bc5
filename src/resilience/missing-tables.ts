import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';

/**
 * Turns "no such table" (SQLite) or SQLSTATE 42P01 (PostgreSQL) into one clear line; any
 * other error is returned unchanged.
 */
export function missingTables(error: unknown, url: string): unknown {
  const message = error instanceof Error ? error.message : '';
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== '42P01' && !/no such table/i.test(message)) return error;
  return new BreakwaterError(
    errors.STORE_UNSUPPORTED,
    `the breaker tables are missing in ${url}: apply Breakwater's own migrations first (migrateBreakwater(store))`,
    { cause: error },
  );
}
