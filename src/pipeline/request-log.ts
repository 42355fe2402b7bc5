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
    bytesOut: request.end.bytesOut,
  };
  if (context.parentSpanId !== undefined) line.parentSpanId = context.parentSpanId;
  if (context.tenantId !== undefined) line.tenantHash = hash(context.tenantId);
  if (context.userId !== undefined) line.userHash = hash(context.userId);
  if (request.end.aborted) line.aborted = true;
  const { error } = request;
  if (error !== undefined) {
    if (isBreakwaterError(error)) line.code = error.code;
    if (request.end.status >= 500) line.err = error;
  }
  return line;
}

/** Client-side trouble is routine (info); server errors are logged at error level. */
export function requestLogLevel(status: number): 'info' | 'error' {
  return status >= 500 ? 'error' : 'info';
}
