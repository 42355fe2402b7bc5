import type { Registry } from 'prom-client';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { OrgLabelOptions } from './metrics.js';
import { DEFAULT_PIN_CACHE_SIZE, DEFAULT_PIN_CACHE_TTL_MS } from './pin-cache.js';
import type { VersionPinStore } from './store.js';
import { isVersionSet, type VersionSet } from './version-set.js';

/** After a sunset: answer 410 (`reject`), or keep serving with the headers (`serve`). */
export type AfterSunset = 'reject' | 'serve';
export const DEFAULT_AFTER_SUNSET: AfterSunset = 'reject';
/** By default a failing pin store answers 503 rather than guess an organization's version. */
export const DEFAULT_PIN_FAIL_OPEN = false;

export interface VersioningOptions {
  /** The service's versions and change modules (`defineVersions`). */
  versions: VersionSet;
  /** Enables pinning: an organization's first request pins it to `versions.current`. */
  pins?: VersionPinStore;
  /** Epoch milliseconds; default Date.now. Decides sunsets. */
  now?: () => number;
  afterSunset?: AfterSunset;
  /** How long a pin is cached in memory; default 60 s (0: read the store every request). */
  pinCacheTtlMs?: number;
  /** Organizations whose pin is cached; default 10,000. */
  pinCacheSize?: number;
  /**
   * When the pin store fails and the request names no version: false (default) answers
   * 503 BW_VERSION_STORE_UNAVAILABLE, true serves the default version.
   */
  pinFailOpen?: boolean;
  /** Where the counters go; none: they are not exported. */
  registry?: Registry;
  /** Per-organization request counts; off without it (an HMAC key is needed). */
  orgMetrics?: OrgLabelOptions;
  /** Told about pin store failures (logging); the request's outcome is decided already. */
  onPinError?: (error: unknown) => void;
}

export interface ResolvedVersioningOptions {
  versions: VersionSet;
  pins: VersionPinStore | undefined;
  now: () => number;
  afterSunset: AfterSunset;
  pinCacheTtlMs: number;
  pinCacheSize: number;
  pinFailOpen: boolean;
}

function invalid(detail: string): never {
  throw new BreakwaterError(errors.VERSIONING_CONFIG, `createVersioning: ${detail}`);
}

function count(name: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!Number.isInteger(chosen) || chosen < 0) invalid(`${name} must be a whole number >= 0`);
  return chosen;
}

/** Fills in defaults and validates once, with a message naming the bad option. */
export function resolveVersioningOptions(options: VersioningOptions): ResolvedVersioningOptions {
  if (!isVersionSet(options?.versions)) invalid('versions must come from defineVersions()');
  const afterSunset = options.afterSunset ?? DEFAULT_AFTER_SUNSET;
  if (afterSunset !== 'reject' && afterSunset !== 'serve') {
    invalid('afterSunset must be "reject" or "serve"');
  }
  const pins = options.pins;
  if (pins !== undefined && typeof pins.pinIfAbsent !== 'function') {
    invalid('pins must be a VersionPinStore (versionPinStore(store))');
  }
  const org = options.orgMetrics;
  if (org !== undefined) {
    if (typeof org.hashSecret !== 'string' || org.hashSecret === '') {
      invalid('orgMetrics.hashSecret must be a non-empty string');
    }
    count('orgMetrics.maxOrgs', org.maxOrgs, 0);
    if (org.versions !== undefined && org.versions !== 'deprecated' && org.versions !== 'all') {
      invalid('orgMetrics.versions must be "deprecated" or "all"');
    }
  }
  return {
    versions: options.versions,
    pins,
    now: options.now ?? Date.now,
    afterSunset,
    pinCacheTtlMs: count('pinCacheTtlMs', options.pinCacheTtlMs, DEFAULT_PIN_CACHE_TTL_MS),
    pinCacheSize: count('pinCacheSize', options.pinCacheSize, DEFAULT_PIN_CACHE_SIZE),
    pinFailOpen: options.pinFailOpen ?? DEFAULT_PIN_FAIL_OPEN,
  };
}
