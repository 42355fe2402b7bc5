import { createHash, randomBytes } from 'node:crypto';

/** Prefix that makes a leaked key easy to recognise in logs and secret scanners. */
export const API_KEY_PREFIX = 'rk_';

/** A fresh random API key: `rk_` + 32 random bytes, base64url. */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** The hex SHA-256 of a raw key: what is stored and looked up, never the key itself. */
export function hashApiKey(rawKey: string): string {
  return createHash('sha256').update(rawKey, 'utf8').digest('hex');
}

/**
 * The raw key a request presents: `Authorization: Bearer <key>`, else `X-API-Key: <key>`.
 * Undefined when neither header carries a plausible key.
 */
export function presentedKey(headers: {
  authorization?: string | string[] | undefined;
  'x-api-key'?: string | string[] | undefined;
}): string | undefined {
  const authorization = single(headers.authorization);
  if (authorization !== undefined) {
    const match = /^Bearer[ \t]+(\S{1,512})[ \t]*$/i.exec(authorization);
    return match?.[1];
  }
  const header = single(headers['x-api-key'])?.trim();
  return header && /^\S{1,512}$/.test(header) ? header : undefined;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
