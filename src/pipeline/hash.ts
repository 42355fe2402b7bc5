import { createHmac } from 'node:crypto';

/** Hex characters kept from the HMAC: enough to tell ids apart in logs, short to read. */
export const DEFAULT_HASH_LENGTH = 16;

/**
 * Pseudonymises a tenant or user id for logs: HMAC-SHA256 keyed with the service's secret,
 * hex, truncated. The same id always gives the same hash, the raw id never reaches a log.
 */
export function hashId(secret: string, id: string, length = DEFAULT_HASH_LENGTH): string {
  return createHmac('sha256', secret).update(id).digest('hex').slice(0, length);
}

/** How many distinct ids a hash cache remembers before it forgets the least recently used. */
export const DEFAULT_HASH_CACHE_ENTRIES = 10_000;

/** `hashId` with a fixed secret, remembering recent results: the same few ids recur. */
export type CachedHash = (id: string) => string;

/**
 * Makes a `hashId(secret, id)` that keeps up to `maxEntries` results in a Map in
 * least-recently-used order (a hit moves to the back; the front is dropped when full), so a
 * request from a known caller costs a lookup instead of an HMAC.
 */
export function createHashCache(
  secret: string,
  options: {
    maxEntries?: number;
    length?: number;
    /** How a miss is hashed; default `hashId(secret, id, length)`. */
    compute?: (id: string) => string;
  } = {},
): CachedHash {
  const maxEntries = options.maxEntries ?? DEFAULT_HASH_CACHE_ENTRIES;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError('maxEntries must be a positive integer');
  }
  const length = options.length ?? DEFAULT_HASH_LENGTH;
  const compute = options.compute ?? ((id: string) => hashId(secret, id, length));
  const cache = new Map<string, string>();
  return (id) => {
    let hash = cache.get(id);
    if (hash !== undefined) {
      cache.delete(id);
    } else {
      hash = compute(id);
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
    }
    cache.set(id, hash);
    return hash;
  };
}
