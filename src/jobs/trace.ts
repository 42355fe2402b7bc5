import type { RequestContext } from '../pipeline/context.js';
import { formatTraceparent } from '../pipeline/traceparent.js';

/**
 * A traceparent provider for `createJobQueue(store, { traceparent })` that reads the
 * pipeline's current request (or span), so a job enqueued while serving a request carries
 * that request's trace into its handler's logger. Outside a request it gives none.
 */
export function pipelineTraceparent(pipeline: {
  context(): RequestContext | undefined;
}): () => string | undefined {
  return () => {
    const context = pipeline.context();
    return context
      ? formatTraceparent(context.traceId, context.spanId, context.traceFlags ?? '01')
      : undefined;
  };
}
