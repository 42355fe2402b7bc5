import { isBreakwaterError } from '../errors/breakwater-error.js';
import type { RequestContext } from './context.js';
import type { CachedHash } from './hash.js';

/** The route logged and labelled when no route matched. */
export const UNMATCHED_ROUTE = '<unmatched>';

/** How a request ended, as the adapter saw it. */
export interface RequestEnd {
  status: number;
  /** Body bytes written. */
  bytesOut: number;
  /** True when the client went away before the response was complete. */
  aborted?: boolean;
}

/** The fields of the one log line a finished request leaves. */
export interface RequestLogLine {
  method: string;
  route: string;
  status: number;
  durationMs: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  tenantHash?: string;
  userHash?: string;
  bytesOut: number;
  aborted?: true;
  code?: string;
  err?: unknown;
}

/**
 * Builds the request line: ids hashed, never headers or bodies. A 5xx carries the error
 * (logged at error level by the caller); our own errors add their stable code.
 */
export function requestLogLine(
  context: RequestContext,
  request: { method: string; end: RequestEnd; durationMs: number; error?: unknown },
  hash: CachedHash,
): RequestLogLine {
  const line: RequestLogLine = {
    method: request.method,
    route: context.route ?? UNMATCHED_ROUTE,
    status: request.end.status,
    durationMs: Math.round(request.durationMs * 1000) / 1000,
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: context.parentSpanId,
    tenantHash: context.tenantId === undefined ? undefined : hash(context.tenantId),
    userHash: context.userId === undefined ? undefined : hash(context.userId),
    bytesOut: request.end.bytesOut,
  };
  if (request.end.aborted) line.aborted = true;
  const { error } = request;
  if (error !== undefined) {
    if (isBreakwaterError(error)) line.code = error.code;
    if (request.end.status >= 500) line.err = error;
  }
  return line;
}

/** JSON strings of methods, route templates and codes: a bounded set, escaped once each. */
const jsonStrings = new Map<string, string>();
const MAX_JSON_STRINGS = 1_000;

/** A string as a JSON value, from the cache when it is one of the usual few. */
function json(value: string): string {
  let escaped = jsonStrings.get(value);
  if (escaped === undefined) {
    escaped = JSON.stringify(value);
    if (jsonStrings.size < MAX_JSON_STRINGS) jsonStrings.set(value, escaped);
  }
  return escaped;
}

/** A number as JSON; one that JSON cannot hold becomes null, as pino writes it. */
const jsonNumber = (value: number) => (Number.isFinite(value) ? `${value}` : 'null');

/** `.001` to `.999` as JavaScript prints them (no trailing zeros), `''` for none. */
let fractions: string[] | undefined;

/**
 * A duration in ms rounded to the microsecond, printed exactly as `${value}` prints it, from
 * integers: converting the double itself was the dearest part of the line. Values outside
 * 0 to 1e9 ms (beyond which a double can no longer tell microseconds apart) are converted.
 */
export function jsonMilliseconds(value: number): string {
  const us = Math.round(value * 1000);
  if (!(us >= 0 && us < 1e12) || us / 1000 !== value) return jsonNumber(value);
  fractions ??= Array.from({ length: 1000 }, (_, i) =>
    i === 0 ? '' : `.${String(i).padStart(3, '0').replace(/0+$/, '')}`,
  );
  return `${Math.floor(us / 1000)}${fractions[us % 1000]}`;
}

/**
 * The line's fields as JSON members, for `LineWriter.writeMembers` (a line without `err`):
 * what pino would write for the object, in this order. Ids and hashes are lowercase hex
 * (validated or made by us), so they need no escaping; method, route and code are escaped.
 */
export function requestLogMembers(line: RequestLogLine): string {
  let members = `"method":${json(line.method)},"route":${json(line.route)},"status":${jsonNumber(line.status)},"durationMs":${jsonMilliseconds(line.durationMs)},"traceId":"${line.traceId}","spanId":"${line.spanId}"`;
  if (line.parentSpanId !== undefined) members += `,"parentSpanId":"${line.parentSpanId}"`;
  if (line.tenantHash !== undefined) members += `,"tenantHash":"${line.tenantHash}"`;
  if (line.userHash !== undefined) members += `,"userHash":"${line.userHash}"`;
  members += `,"bytesOut":${jsonNumber(line.bytesOut)}`;
  if (line.aborted) members += ',"aborted":true';
  if (line.code !== undefined) members += `,"code":${json(line.code)}`;
  return members;
}

/** Client-side trouble is routine (info); server errors are logged at error level. */
export function requestLogLevel(status: number): 'info' | 'error' {
  return status >= 500 ? 'error' : 'info';
}
