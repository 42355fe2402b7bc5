import { type ContextStorage, type Frame, type RequestContext, requestContext } from './context.js';
import type { CachedHash } from './hash.js';
import type { LineWriter } from './logger.js';
import type { Observe } from './metrics.js';
import { methodLabel, statusClass } from './metrics.js';
import {
  type RequestEnd,
  requestLogLevel,
  requestLogLine,
  requestLogMembers,
  UNMATCHED_ROUTE,
} from './request-log.js';
import { formatTraceparent, newSpanId, newTraceId, parseTraceparent } from './traceparent.js';

/** What an adapter knows when a request arrives. */
export interface RequestStart {
  method: string;
  /** The incoming `traceparent` header, as the framework gives it. */
  traceparent?: string | readonly string[] | null;
}

/**
 * One request as the pipeline tracks it, driven by a framework adapter: run the rest of the
 * request inside `run`, set the route once matched, `finish` once (later calls are ignored).
 */
export interface RequestScope {
  readonly context: RequestContext;
  /** Headers every response of this request carries (trace ids, `Connection: close`). */
  responseHeaders(): Record<string, string>;
  run<T>(fn: () => T): T;
  setRoute(route: string): void;
  /** Remembers the error the response was built from, for the log line. */
  recordError(error: unknown): void;
  finish(end: RequestEnd): void;
  readonly finished: boolean;
}

export interface RequestTrackerDeps {
  storage: ContextStorage;
  clock: () => number;
  /** Writes the request line; a 5xx line with its error goes to `logError` (redacted). */
  lines: LineWriter;
  logError: (line: object, msg: string) => void;
  /** The duration histogram's observer for (method, route, status class). */
  observeDuration: (method: string, route: string, statusClass: string) => Observe;
  inFlight: { inc(): void; dec(): void };
  hash: CachedHash;
  shuttingDown: () => boolean;
}

/**
 * A request's scope, which is also its bottom context frame: one object per request, its
 * methods on the prototype rather than closures.
 */
class TrackedRequest implements RequestScope, Frame {
  readonly context: RequestContext;
  logger?: Frame['logger'];
  finished = false;
  readonly #deps: RequestTrackerDeps;
  readonly #method: string;
  #error: unknown;
  #traceparent: string | undefined;

  constructor(deps: RequestTrackerDeps, start: RequestStart) {
    this.#deps = deps;
    this.#method = start.method;
    const incoming = parseTraceparent(start.traceparent as string | undefined);
    this.context = incoming
      ? requestContext(
          incoming.traceId,
          newSpanId(),
          incoming.parentId,
          incoming.flags,
          deps.clock(),
        )
      : requestContext(newTraceId(), newSpanId(), undefined, '01', deps.clock());
    deps.inFlight.inc();
  }

  responseHeaders(): Record<string, string> {
    const { context } = this;
    this.#traceparent ??= formatTraceparent(context.traceId, context.spanId, context.traceFlags);
    const headers: Record<string, string> = {
      traceparent: this.#traceparent,
      'x-trace-id': context.traceId,
    };
    if (this.#deps.shuttingDown()) headers.connection = 'close';
    return headers;
  }

  run<T>(fn: () => T): T {
    return this.#deps.storage.run(this, fn);
  }

  setRoute(route: string): void {
    this.context.route = route;
  }

  recordError(error: unknown): void {
    this.#error = error;
  }

  finish(end: RequestEnd): void {
    if (this.finished) return;
    this.finished = true;
    const deps = this.#deps;
    const { context } = this;
    const durationMs = Math.max(0, deps.clock() - context.startedAt);
    deps.inFlight.dec();
    const route = context.route ?? UNMATCHED_ROUTE;
    deps.observeDuration(
      methodLabel(this.#method),
      route,
      statusClass(end.status),
    )(durationMs / 1000);
    const error = this.#error;
    const level = requestLogLevel(end.status);
    if (!deps.lines.enabled(level)) return;
    const line = requestLogLine(
      context,
      { method: this.#method, end, durationMs, error },
      deps.hash,
    );
    // A line that carries the caller's error object keeps the root logger's redaction.
    if (line.err !== undefined) deps.logError(line, 'request');
    else deps.lines.writeMembers(level, requestLogMembers(line), 'request');
  }
}

/** Makes the `begin` function adapters call for each request. */
export function createRequestTracker(
  deps: RequestTrackerDeps,
): (start: RequestStart) => RequestScope {
  return (start) => new TrackedRequest(deps, start);
}
