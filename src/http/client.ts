import { type Dispatcher, Headers, fetch as undiciFetch, request as undiciRequest } from 'undici';
import type { RequestContext } from '../pipeline/context.js';
import { formatTraceparent } from '../pipeline/traceparent.js';

/** Anything that knows the current request context: a Pipeline. */
export interface TraceSource {
  context(): RequestContext | undefined;
}

/** The `traceparent` to send from the current context (its span as parent), if any. */
export function outgoingTraceparent(source: TraceSource): string | undefined {
  const context = source.context();
  return context && formatTraceparent(context.traceId, context.spanId, context.traceFlags);
}

type HeaderInit = NonNullable<Parameters<typeof undiciFetch>[1]>['headers'];
type RequestOptions = NonNullable<Parameters<typeof undiciRequest>[1]>;

export interface HttpClient {
  /** undici's `fetch`, adding `traceparent` unless the caller set one. */
  fetch: typeof fetch;
  /** undici's `request`, adding `traceparent` unless the caller set one. */
  request: typeof undiciRequest;
}

/**
 * An outgoing HTTP client that forwards the current trace: inside a request (or a span) every
 * call carries `traceparent` with the current trace id and the current span as parent.
 * Outside any request it sends no trace header. `dispatcher` defaults to undici's global one.
 */
export function createHttpClient(
  source: TraceSource,
  options: { dispatcher?: Dispatcher } = {},
): HttpClient {
  const tracedFetch = (
    input: Parameters<typeof undiciFetch>[0],
    init: Parameters<typeof undiciFetch>[1] = {},
  ) => {
    const traceparent = outgoingTraceparent(source);
    const headers = new Headers(
      (init.headers ?? (isRequestLike(input) ? input.headers : undefined)) as HeaderInit,
    );
    if (traceparent !== undefined && !headers.has('traceparent')) {
      headers.set('traceparent', traceparent);
    }
    const dispatcher = init.dispatcher ?? options.dispatcher;
    return undiciFetch(input, {
      ...init,
      headers,
      ...(dispatcher ? { dispatcher } : {}),
    });
  };
  const tracedRequest = ((url: Parameters<typeof undiciRequest>[0], opts: RequestOptions = {}) => {
    const traceparent = outgoingTraceparent(source);
    const dispatcher = opts.dispatcher ?? options.dispatcher;
    const headers = withHeader(opts.headers, traceparent);
    return undiciRequest(url, { ...opts, headers, ...(dispatcher ? { dispatcher } : {}) });
  }) as typeof undiciRequest;
  return { fetch: tracedFetch as unknown as typeof fetch, request: tracedRequest };
}

function isRequestLike(value: unknown): value is { headers: Iterable<[string, string]> } {
  return typeof value === 'object' && value !== null && 'headers' in value && 'url' in value;
}

/** Adds `traceparent` to undici `request` headers in whichever form they were given. */
function withHeader(headers: RequestOptions['headers'], traceparent: string | undefined) {
  if (traceparent === undefined) return headers;
  if (headers === undefined || headers === null) return { traceparent };
  if (Array.isArray(headers)) {
    const names = headers.filter((_, i) => i % 2 === 0).map((n) => String(n).toLowerCase());
    return names.includes('traceparent') ? headers : [...headers, 'traceparent', traceparent];
  }
  const record = Object.fromEntries(
    Symbol.iterator in headers
      ? [...(headers as Iterable<[string, string]>)]
      : Object.entries(headers as Record<string, string>),
  ) as Record<string, string | string[] | undefined>;
  const present = Object.keys(record).some((name) => name.toLowerCase() === 'traceparent');
  return present ? record : { ...record, traceparent };
}
