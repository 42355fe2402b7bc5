import type { Logger } from 'pino';
import type { ContextStorage, Frame, RequestContext } from './context.js';
import type { PipelineMetrics } from './metrics.js';
import { newSpanId, newTraceId } from './traceparent.js';

/** The ids a span's function receives. */
export interface SpanInfo {
  traceId: string;
  spanId: string;
}

export type WithSpan = <T>(name: string, fn: (span: SpanInfo) => Promise<T> | T) => Promise<T>;

/**
 * Makes `withSpan`: runs `fn` as a child span of the current frame (or as the root of a new
 * trace outside a request), logs its duration and outcome under the trace and feeds the span
 * histogram. The enclosing context is back in place when it returns.
 */
export function createWithSpan(deps: {
  storage: ContextStorage;
  clock: () => number;
  logger: Logger;
  metrics: PipelineMetrics;
}): WithSpan {
  return async (name, fn) => {
    const parent = deps.storage.current();
    const startedAt = deps.clock();
    const context: RequestContext = parent
      ? { ...parent.context, spanId: newSpanId(), parentSpanId: parent.context.spanId, startedAt }
      : { traceId: newTraceId(), spanId: newSpanId(), startedAt };
    const frame: Frame = parent ? { context, parent } : { context };
    const { traceId, spanId } = context;
    let outcome: 'ok' | 'error' = 'ok';
    let failure: unknown;
    try {
      return await deps.storage.run(frame, () => fn({ traceId, spanId }));
    } catch (error) {
      outcome = 'error';
      failure = error;
      throw error;
    } finally {
      const durationMs = Math.max(0, deps.clock() - startedAt);
      deps.metrics.spanDuration.observe({ name, outcome }, durationMs / 1000);
      const line: Record<string, unknown> = {
        span: name,
        outcome,
        durationMs: Math.round(durationMs * 1000) / 1000,
        traceId,
        spanId,
      };
      if (context.parentSpanId !== undefined) line.parentSpanId = context.parentSpanId;
      if (failure !== undefined) {
        line.error = failure instanceof Error ? failure.name : typeof failure;
        deps.logger.warn(line, 'span');
      } else deps.logger.info(line, 'span');
    }
  };
}
