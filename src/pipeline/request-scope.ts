import type { Logger } from 'pino';
import type { ContextStorage, Frame, RequestContext } from './context.js';
import { methodLabel, type PipelineMetrics, statusClass } from './metrics.js';
import {
  type RequestEnd,
  requestLogLevel,
  requestLogLine,
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
  logger: Logger;
  metrics: PipelineMetrics;
  hashSecret: string;
  shuttingDown: () => boolean;
}

/** Makes the `begin` function adapters call for each request. */
export function createRequestTracker(
  deps: RequestTrackerDeps,
): (start: RequestStart) => RequestScope {
  return (start) => {
    const incoming = parseTraceparent(start.traceparent as string | undefined);
    const context: RequestContext = {
      traceId: incoming?.traceId ?? newTraceId(),
      spanId: newSpanId(),
      traceFlags: incoming?.flags ?? '01',
      startedAt: deps.clock(),
    };
    if (incoming) context.parentSpanId = incoming.parentId;
    const traceparent = formatTraceparent(context.traceId, context.spanId, context.traceFlags);
    const frame: Frame = { context };
    let error: unknown;
    let finished = false;
    deps.metrics.inFlight.inc();

    return {
      context,
      get finished() {
        return finished;
      },
      responseHeaders: () => {
        const headers: Record<string, string> = { traceparent, 'x-trace-id': context.traceId };
        if (deps.shuttingDown()) headers.connection = 'close';
        return headers;
      },
      run: (fn) => deps.storage.run(frame, fn),
      setRoute: (route) => {
        context.route = route;
      },
      recordError: (value) => {
        error = value;
      },
      finish: (end) => {
        if (finished) return;
        finished = true;
        const durationMs = Math.max(0, deps.clock() - context.startedAt);
        deps.metrics.inFlight.dec();
        deps.metrics.requestDuration.observe(
          {
            method: methodLabel(start.method),
            route: context.route ?? UNMATCHED_ROUTE,
            status_class: statusClass(end.status),
          },
          durationMs / 1000,
        );
        const line = requestLogLine(
          context,
          { method: start.method, end, durationMs, error },
          deps.hashSecret,
        );
        deps.logger[requestLogLevel(end.status)](line, 'request');
      },
    };
  };
}
