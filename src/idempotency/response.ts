import type { StoredResponse } from './store.js';

/** What transactional work answers: the response to store and send. */
export interface IdempotentResponse {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string | number | readonly string[]>;
  /** Bytes and strings are sent as they are; anything else as JSON. */
  body?: unknown;
}

/** A response ready to send: every header, the exact bytes. */
export interface ResponseToSend {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Serializes a handler's response once, so the bytes sent and the bytes stored are the same. */
export function serializeResponse(response: IdempotentResponse): ResponseToSend {
  const headers = normalizeHeaders(response.headers ?? {});
  const { body } = response;
  let bytes: Buffer;
  let contentType: string | undefined;
  if (body === undefined) {
    bytes = Buffer.alloc(0);
  } else if (body instanceof Uint8Array) {
    bytes = Buffer.from(body);
    contentType = 'application/octet-stream';
  } else if (typeof body === 'string') {
    bytes = Buffer.from(body, 'utf8');
    contentType = 'text/plain; charset=utf-8';
  } else {
    bytes = Buffer.from(JSON.stringify(body) ?? 'null', 'utf8');
    contentType = 'application/json; charset=utf-8';
  }
  if (contentType !== undefined && headers['content-type'] === undefined) {
    headers['content-type'] = contentType;
  }
  return { status: response.status ?? 200, headers, body: bytes };
}

/** Lower-case names, string values (lists joined with ", "). */
export function normalizeHeaders(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || value === null) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

/** The response as stored: only the allow-listed headers. */
export function toStored(response: ResponseToSend, allowList: readonly string[]): StoredResponse {
  const headers: Record<string, string> = {};
  for (const name of allowList) {
    const value = response.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  return { status: response.status, headers, body: response.body };
}

/** Whole seconds until the lease runs out, at least 1 (for `Retry-After`). */
export function retryAfterSeconds(leaseExpiresAt: number, now: number): number {
  return Math.max(1, Math.ceil((leaseExpiresAt - now) / 1000));
}
