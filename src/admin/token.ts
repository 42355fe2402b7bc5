import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Compares a presented admin token with the expected one in constant time. Both sides are
 * hashed first, so neither the content nor the length of the secret leaks through timing.
 */
export function tokenMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined || expected === '') return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}

/** Reads the bearer token from an Authorization header value. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1];
}

/**
 * The admin token from `BREAKWATER_ADMIN_TOKEN`, or a fresh random one that the caller must
 * print once (`generated: true`), so an admin API is never open without a token.
 */
export function resolveAdminToken(env: NodeJS.ProcessEnv = process.env): {
  token: string;
  generated: boolean;
} {
  const configured = env.BREAKWATER_ADMIN_TOKEN?.trim();
  if (configured) return { token: configured, generated: false };
  return { token: `bwa_${randomBytes(24).toString('base64url')}`, generated: true };
}
