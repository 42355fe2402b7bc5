import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';

/** What the pipeline knows about the request (or span) being run. */
export interface RequestContext {
  /** The W3C trace id; also the request id. */
  traceId: string;
  /** Our span id: the request's, or the innermost `withSpan`'s. */
  spanId: string;
  /** The caller's span (from `traceparent`) or the enclosing span. */
  parentSpanId?: string;
  /** Set by the app's auth hook through `setIdentity`; only ever logged hashed. */
  tenantId?: string;
  userId?: string;
  /** The route template once the framework has matched one. */
  route?: string;
  /** W3C trace flags to propagate (`01` sampled); the caller's, or `01` for a new trace. */
  traceFlags?: string;
  /** Clock reading when the request (or span) started, epoch ms. */
  startedAt: number;
}

/**
 * A request's context with every field present, in one order: request and span contexts then
 * share one object shape, which keeps reads fast and copying a context cheap.
 */
export function requestContext(
  traceId: string,
  spanId: string,
  parentSpanId: string | undefined,
  traceFlags: string,
  startedAt: number,
): RequestContext {
  return {
    traceId,
    spanId,
    parentSpanId,
    tenantId: undefined,
    userId: undefined,
    route: undefined,
    traceFlags,
    startedAt,
  };
}

/** The context of a span inside `parent`: same trace, identity and route, its own span id. */
export function spanContext(parent: RequestContext, spanId: string, startedAt: number) {
  const context: RequestContext = {
    traceId: parent.traceId,
    spanId,
    parentSpanId: parent.spanId,
    tenantId: parent.tenantId,
    userId: parent.userId,
    route: parent.route,
    traceFlags: parent.traceFlags,
    startedAt,
  };
  return context;
}

/** One level of the context stack kept in AsyncLocalStorage: a request, or a span in it. */
export interface Frame {
  readonly context: RequestContext;
  readonly parent?: Frame;
  /** The child logger bound to this frame's ids, made on first use. */
  logger?: Logger;
}

/** The AsyncLocalStorage that carries frames through a request's async work. */
export class ContextStorage {
  readonly #als = new AsyncLocalStorage<Frame>();

  current(): Frame | undefined {
    return this.#als.getStore();
  }

  /** Runs `fn(...args)` with `frame` as the current frame (args spare the caller a closure). */
  run<A extends unknown[], T>(frame: Frame, fn: (...args: A) => T, ...args: A): T {
    return this.#als.run(frame, fn, ...args);
  }

  /** Records the identity on the current frame and every enclosing one (the request's too). */
  setIdentity(identity: { tenantId?: string; userId?: string }): boolean {
    let frame = this.current();
    if (!frame) return false;
    for (; frame; frame = frame.parent) {
      if (identity.tenantId !== undefined) frame.context.tenantId = identity.tenantId;
      if (identity.userId !== undefined) frame.context.userId = identity.userId;
      frame.logger = undefined;
    }
    return true;
  }
}
