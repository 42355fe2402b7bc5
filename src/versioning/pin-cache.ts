import type { VersionPinStore } from './store.js';

export const DEFAULT_PIN_CACHE_TTL_MS = 60_000;
export const DEFAULT_PIN_CACHE_SIZE = 10_000;

export interface PinCacheOptions {
  /** How long a pin read from the store is trusted; 0 reads the store on every request. */
  ttlMs?: number;
  /** Most organizations kept; the least recently used is dropped beyond it. */
  maxEntries?: number;
  now?: () => number;
}

/** Pins as the request path sees them: one store round trip per organization and TTL. */
export interface PinCache {
  /** The organization's pin, pinning it to `current` first when it has none. */
  pinned(orgId: string, current: string, signal?: AbortSignal): Promise<string>;
}

/**
 * Caches `pinIfAbsent` answers in memory. A pin moved by an operator (another process) is
 * seen once the cached entry is older than `ttlMs`. Concurrent misses for one organization
 * share a single store call.
 */
export function createPinCache(store: VersionPinStore, options: PinCacheOptions = {}): PinCache {
  const ttlMs = options.ttlMs ?? DEFAULT_PIN_CACHE_TTL_MS;
  const maxEntries = options.maxEntries ?? DEFAULT_PIN_CACHE_SIZE;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { version: string; expiresAt: number }>();
  const pending = new Map<string, Promise<string>>();

  const remember = (orgId: string, version: string) => {
    if (ttlMs <= 0 || maxEntries <= 0) return;
    entries.delete(orgId);
    entries.set(orgId, { version, expiresAt: now() + ttlMs });
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
  };

  return {
    pinned: async (orgId, current, signal) => {
      signal?.throwIfAborted();
      const cached = entries.get(orgId);
      if (cached && cached.expiresAt > now()) {
        entries.delete(orgId); // most recently used goes last
        entries.set(orgId, cached);
        return cached.version;
      }
      let lookup = pending.get(orgId);
      if (!lookup) {
        // Not tied to this request's signal: other requests may be waiting on the same call.
        lookup = store
          .pinIfAbsent(orgId, current)
          .then((pin) => {
            remember(orgId, pin.version);
            return pin.version;
          })
          .finally(() => pending.delete(orgId));
        pending.set(orgId, lookup);
      }
      return lookup;
    },
  };
}
