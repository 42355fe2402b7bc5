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
