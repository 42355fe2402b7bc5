import { createHash } from 'node:crypto';

/** Who a key belongs to: the same key string under another tenant, method or route is another key. */
export interface Scope {
  key: string;
  /** Empty string when the service has no tenants. */
  tenant: string;
  method: string;
  /** The route template (`/orders/:id`), not the concrete path. */
  route: string;
}

/** What a request was, so a reused key with another request is caught. */
export interface FingerprintInput {
  method: string;
  route: string;
  body: unknown;
  apiVersion?: string | undefined;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A fixed-length id for a scope, safe as a primary key or a Redis key. */
export function scopeId(scope: Scope): string {
  return sha256(JSON.stringify([scope.tenant, scope.method, scope.route, scope.key]));
}

/** SHA-256 (hex) over method, route, API version and the canonical JSON of the body. */
export function fingerprint(input: FingerprintInput): string {
  return sha256(
    JSON.stringify([
      input.method.toUpperCase(),
      input.route,
      input.apiVersion ?? null,
      canonicalJson(input.body),
    ]),
  );
}

/**
 * JSON with object keys sorted recursively, so `{"a":1,"b":2}` and `{"b":2,"a":1}` are the
 * same request. Bytes (a raw body) are hex-tagged; undefined and functions drop out as in JSON.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value)) ?? 'null';
}

function canonicalize(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('hex') };
  if (Array.isArray(value)) return value.map((item) => canonicalize(item) ?? null);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return canonicalize((value as { toJSON(): unknown }).toJSON());
  }
  // null prototype: a body key named __proto__ stays an ordinary member
  const sorted: Record<string, unknown> = Object.create(null);
  for (const name of Object.keys(value).sort()) {
    sorted[name] = canonicalize((value as Record<string, unknown>)[name]);
  }
  return sorted;
}
