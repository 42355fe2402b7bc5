import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';

/** How deep `missingTables` looks into an error's causes. */
const MAX_CAUSES = 5;

/**
 * Turns "no such table" (SQLite) or SQLSTATE 42P01 (PostgreSQL), in `error` or one of its
 * causes, into one clear line naming the capability (`what`) whose tables are missing; any
 * other error is returned unchanged.
 */
export function missingTables(error: unknown, url: string, what: string): unknown {
  let cause: unknown = error;
  for (let depth = 0; cause instanceof Error && depth < MAX_CAUSES; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (code === '42P01' || /no such table/i.test(cause.message)) {
      return new BreakwaterError(
        errors.STORE_UNSUPPORTED,
        `the ${what} tables are missing in ${url}: apply Breakwater's own migrations first (migrateBreakwater(store))`,
        { cause: error },
      );
    }
    cause = cause.cause;
  }
  return error;
}
