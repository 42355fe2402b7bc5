export { createHttpClient, type HttpClient, type TraceSource } from '../http/client.js';
export { type HttpAnswer, problemAnswer } from './answer.js';
export type { RequestContext } from './context.js';
export {
  type CachedHash,
  createHashCache,
  DEFAULT_HASH_CACHE_ENTRIES,
  DEFAULT_HASH_LENGTH,
  hashId,
} from './hash.js';
export {
  type CheckOutcome,
  DEFAULT_CHECK_TIMEOUT_MS,
  type HealthCheck,
  type HealthCheckResult,
  type HealthStatus,
  runCheck,
  storeCheck,
} from './health-check.js';
export {
  buildReport,
  HEALTH_CONTENT_TYPE,
  type HealthReport,
  httpStatusOf,
  worstStatus,
} from './health-report.js';
export { DEFAULT_LAG_SAMPLE_INTERVAL_MS, type LagMonitor, startLagMonitor } from './lag-monitor.js';
export {
  DEFAULT_LOG_BUFFER_BYTES,
  DEFAULT_LOG_FLUSH_INTERVAL_MS,
  DEFAULT_LOG_LEVEL,
  type LineLevel,
  REDACT_PATHS,
} from './logger.js';
export {
  IN_FLIGHT_METRIC,
  REQUEST_DURATION_METRIC,
  SPAN_DURATION_METRIC,
  statusClass,
} from './metrics.js';
export {
  DEFAULT_CLOCK,
  DEFAULT_EVENT_LOOP_LAG_THRESHOLD_MS,
  DEFAULT_PATHS,
  type PipelineOptions,
} from './options.js';
export { createPipeline, type Pipeline, type PipelineHttp, type ServerTarget } from './pipeline.js';
export { PROBE_KINDS, type ProbeKind } from './probes.js';
export {
  createIdSource,
  DEFAULT_ID_POOL_BYTES,
  type IdSource,
  type RandomFill,
} from './random-ids.js';
export { type RequestEnd, UNMATCHED_ROUTE } from './request-log.js';
export type { RequestScope, RequestStart } from './request-scope.js';
export { DEFAULT_SHUTDOWN_TIMEOUT_MS } from './shutdown.js';
export { DEFAULT_SIGNALS, type SignalOptions } from './signals.js';
export { DEFAULT_SPAN_LOG_LEVEL, type SpanInfo, type WithSpan } from './span.js';
export {
  formatTraceparent,
  newSpanId,
  newTraceId,
  parseTraceparent,
  type TraceParent,
} from './traceparent.js';
