import {
  type ContextStorage,
  type Frame,
  type RequestContext,
  requestContext,
  spanContext,
} from './context.js';
import type { LineLevel, LineWriter } from './logger.js';
import type { Observe } from './metrics.js';
import { newSpanId, newTraceId } from './traceparent.js';

/** The ids a span's function receives. */
export interface SpanInfo {
  traceId: string;
  spanId: string;
}

export type WithSpan = <T>(name: string, fn: (span: SpanInfo) => Promise<T> | T) => Promise<T>;

/** The level of a successful span's log line; a failed span logs at warn whatever this is. */
export const DEFAULT_SPAN_LOG_LEVEL: LineLevel = 'debug';

export interface WithSpanDeps {
  storage: ContextStorage;
  clock: () => number;
  /** Writes the span lines (the pipeline's own fields only, no redaction pass). */
  lines: LineWriter;
  /** The span histogram's observer for (name, outcome). */
  observeDuration: (name: string, outcome: string) => Observe;
  /** Level of a successful span's line; default DEFAULT_SPAN_LOG_LEVEL. */
  spanLogLevel?: LineLevel;
}

/** The fields of a span's log line. */
interface SpanLine {
  span: string;
  outcome: 'ok' | 'error';
  durationMs: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  error?: string;
}

/**
 * Makes `withSpan`: runs `fn` as a child span of the current frame (or as the root of a new
 * trace outside a request), logs its duration and outcome under the trace (at
 * `spanLogLevel` when it succeeds, at warn when it throws) and feeds the span histogram with
 * every span. The enclosing context is back in place when it returns.
 */
export function createWithSpan(deps: WithSpanDeps): WithSpan {
  const okLevel = deps.spanLogLevel ?? DEFAULT_SPAN_LOG_LEVEL;
  const end = (name: string, context: RequestContext, failure: unknown, failed: boolean) => {
    const durationMs = Math.max(0, deps.clock() - context.startedAt);
    const outcome = failed ? 'error' : 'ok';
    deps.observeDuration(name, outcome)(durationMs / 1000);
    const level = failed ? 'warn' : okLevel;
    if (!deps.lines.enabled(level)) return;
    const line: SpanLine = {
      span: name,
      outcome,
      durationMs: Math.round(durationMs * 1000) / 1000,
      traceId: context.traceId,
      spanId: context.spanId,
    };
    if (context.parentSpanId !== undefined) line.parentSpanId = context.parentSpanId;
    if (failed) line.error = failure instanceof Error ? failure.name : typeof failure;
    deps.lines.write(level, line, 'span');
  };

  return <T>(name: string, fn: (span: SpanInfo) => Promise<T> | T): Promise<T> => {
    const parent = deps.storage.current();
    const startedAt = deps.clock();
    // Built field by field: spreading a context that gained fields after its creation
    // (route, identity) took V8's slow path and cost more than the rest of the span.
    const context = parent
      ? spanContext(parent.context, newSpanId(), startedAt)
      : requestContext(newTraceId(), newSpanId(), undefined, '01', startedAt);
    const frame: Frame = parent ? { context, parent } : { context };
    const info: SpanInfo = { traceId: context.traceId, spanId: context.spanId };
    let result: Promise<T> | T;
    try {
      result = deps.storage.run(frame, fn, info);
    } catch (error) {
      end(name, context, error, true);
      return Promise.reject(error);
    }
    if (!isThenable(result)) {
      end(name, context, undefined, false);
      return Promise.resolve(result);
    }
    // `then` rather than an async function: one promise less per span, and every promise
    // costs an async-hooks round trip while AsyncLocalStorage is in use (Node 20).
    return Promise.resolve(result).then(
      (value) => {
        end(name, context, undefined, false);
        return value;
      },
      (error: unknown) => {
        end(name, context, error, true);
        throw error;
      },
    );
  };
}

function isThenable<T>(value: Promise<T> | T): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
