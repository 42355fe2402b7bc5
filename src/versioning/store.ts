import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';

/** An organization's pinned API version. */
export interface VersionPin {
  orgId: string;
  /** Canonical version id (`v1`, `2024-06-01`). */
  version: string;
  /** When this pin was set (epoch ms, from the store's clock). */
  pinnedAt: number;
}

/**
 * Where organizations' pinned versions live. Pins are never deleted: an operator moves
 * one with `setPin`. `pinIfAbsent` is atomic, so concurrent first requests agree.
 */
export interface VersionPinStore {
  readonly kind: 'sqlite' | 'postgres' | 'redis';
  getPin(orgId: string, signal?: AbortSignal): Promise<VersionPin | undefined>;
  /** Pins `orgId` to `version` unless it is pinned already; resolves with the pin in force. */
  pinIfAbsent(orgId: string, version: string, signal?: AbortSignal): Promise<VersionPin>;
  /** Sets or moves the pin; resolves with the new pin. */
  setPin(orgId: string, version: string, signal?: AbortSignal): Promise<VersionPin>;
}

export interface PinStoreOptions {
  /** Epoch milliseconds for `pinnedAt`; default Date.now. */
  now?: () => number;
}

/** The SQL table of migrations/<dialect>/0007_versioning.sql. */
export const VERSION_PINS_TABLE = 'breakwater_version_pins';
export const MAX_ORG_ID_LENGTH = 256;

/** Rejects an organization id no store should hold (empty, too long, not a string). */
export function checkPinArguments(orgId: string, version?: string): void {
  if (typeof orgId !== 'string' || orgId.length === 0 || orgId.length > MAX_ORG_ID_LENGTH) {
    throw new BreakwaterError(
      errors.VERSIONING_CONFIG,
      `organization id must be 1-${MAX_ORG_ID_LENGTH} characters`,
    );
  }
  if (version !== undefined && (typeof version !== 'string' || version.length === 0)) {
    throw new BreakwaterError(errors.VERSIONING_CONFIG, 'version must be a non-empty string');
  }
}

/**
 * Turns "no such table" (SQLite) or SQLSTATE 42P01 (PostgreSQL) into one clear line naming
 * the fix; any other error is returned unchanged.
 */
export function missingPinTable(error: unknown, url: string): unknown {
  const message = error instanceof Error ? error.message : '';
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== '42P01' && !/no such table/i.test(message)) return error;
  return new BreakwaterError(
    errors.VERSIONING_CONFIG,
    `${VERSION_PINS_TABLE} is missing in ${url}: apply Breakwater's own migrations first (migrateBreakwater(store))`,
    { cause: error },
  );
}
