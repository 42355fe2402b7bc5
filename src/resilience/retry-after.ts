import { statusOf } from './classifier.js';

/** Statuses whose `Retry-After` tells a client when to come back. */
const RETRY_AFTER_STATUSES = new Set([429, 503]);

/**
 * Parses a `Retry-After` value into milliseconds from `now`: delay-seconds (`120`) or an
 * HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`). Undefined when absent or malformed; a date in
 * the past gives 0.
 */
export function parseRetryAfter(value: string | null | undefined, now: number) {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function headerOf(headers: unknown): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const get = (headers as { get?: unknown }).get;
  if (typeof get === 'function') {
    const value = (get as (name: string) => unknown).call(headers, 'retry-after');
    return typeof value === 'string' ? value : undefined;
  }
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== 'retry-after') continue;
    const first = Array.isArray(value) ? value[0] : value;
    return typeof first === 'string' || typeof first === 'number' ? String(first) : undefined;
  }
  return undefined;
}

/**
 * The wait, in ms, that an HTTP 429 or 503 asks for through `Retry-After`: read from a
 * response (`status` + `headers`), or from an error carrying `status` and `headers` itself
 * or a `response` that does. Undefined for anything else.
 */
export function retryAfterOf(outcome: unknown, now: number): number | undefined {
  if (typeof outcome !== 'object' || outcome === null) return undefined;
  const status = statusOf(outcome);
  if (status !== undefined && RETRY_AFTER_STATUSES.has(status)) {
    const value = parseRetryAfter(headerOf((outcome as { headers?: unknown }).headers), now);
    if (value !== undefined) return value;
  }
  const response = (outcome as { response?: unknown }).response;
  return response !== undefined && response !== outcome ? retryAfterOf(response, now) : undefined;
}
