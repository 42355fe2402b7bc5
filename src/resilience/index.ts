// Resilience policies: circuit breaker, retry, timeout, bulkhead, fallback, cluster awareness.
export { breakerAdminRoutes } from './admin.js';
export { decorrelatedJitter, exponentialDelay } from './backoff.js';
export { CircuitBreaker } from './breaker.js';
export {
  BREAKER_STATES,
  type BreakerState,
  type BreakerStats,
  type BreakerTransition,
  type TransitionReason,
} from './breaker-events.js';
export {
  type CircuitBreakerOptions,
  DEFAULT_CONSECUTIVE_FAILURES,
  DEFAULT_FAILURE_RATE_THRESHOLD,
  DEFAULT_HALF_OPEN_MAX_CALLS,
  DEFAULT_MINIMUM_CALLS,
  DEFAULT_OPEN_BACKOFF_MULTIPLIER,
  DEFAULT_OPEN_DURATION_MS,
  DEFAULT_PROBE_TIMEOUT_MS,
  DEFAULT_SLOW_CALL_RATE_THRESHOLD,
  DEFAULT_SUCCESS_THRESHOLD,
  DEFAULT_TIME_WINDOW_BUCKETS,
  DEFAULT_WINDOW,
  type WindowOptions,
} from './breaker-options.js';
export { type BreakerSnapshot, validateSnapshot } from './breaker-snapshot.js';
export type { WindowSnapshot } from './breaker-window.js';
export {
  type BulkheadOptions,
  BulkheadPolicy,
  bulkhead,
  DEFAULT_BULKHEAD_MAX_CONCURRENT,
  DEFAULT_BULKHEAD_MAX_QUEUE,
  DEFAULT_BULKHEAD_QUEUE_TIMEOUT_MS,
} from './bulkhead.js';
export {
  type Classifier,
  DEFAULT_CLASSIFIER,
  HTTP_CLASSIFIER,
  isFailureError,
  isFailureStatus,
  statusOf,
} from './classifier.js';
export { type Clock, DEFAULT_CLOCK, sleep, type TimerHandle } from './clock.js';
export {
  applyOverride,
  type BreakerCluster,
  type BreakerClusterOptions,
  type ClusterStateEntry,
  createBreakerCluster,
  DEFAULT_CLUSTER_MIN_INSTANCES,
  DEFAULT_CLUSTER_POLL_INTERVAL_MS,
  DEFAULT_CLUSTER_PRUNE_AFTER_MS,
  DEFAULT_CLUSTER_PUBLISH_INTERVAL_MS,
} from './cluster.js';
export {
  type BulkheadRejection,
  brokenCircuitError,
  bulkheadRejectedError,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  isRetryExhaustedError,
  isTimeoutError,
  retryExhaustedError,
  timeoutError,
} from './errors.js';
export {
  type FallbackHandler,
  type FallbackOptions,
  FallbackPolicy,
  type FallbackReason,
  fallback,
} from './fallback.js';
export { addBreakerChecks, breakerHealthCheck } from './health.js';
export {
  createResilientHttpClient,
  DEFAULT_RETRY_METHODS,
  DEFAULT_UPSTREAM_TIMEOUT_MS,
  HTTP_RETRY_CLASSIFIER,
  type ResilientHttpClient,
  type ResilientHttpClientOptions,
  type UpstreamPolicies,
} from './http-client.js';
export {
  BREAKER_CALLS_METRIC,
  BREAKER_REJECTIONS_METRIC,
  BREAKER_STATE_METRIC,
  BULKHEAD_ACTIVE_METRIC,
  BULKHEAD_QUEUE_METRIC,
  BULKHEAD_REJECTIONS_METRIC,
  RETRIES_METRIC,
  type ResilienceMetrics,
  resilienceMetrics,
  TIMEOUTS_METRIC,
  type TrackedPolicy,
} from './metrics.js';
export { breakerClusterStore } from './open.js';
export { type Policy, type PolicyFn, type WrappedPolicy, wrap } from './policy.js';
export { postgresBreakerStore } from './postgres.js';
export { BREAKER_PRESETS, type BreakerPreset, type PresetName, presetFor } from './presets.js';
export { type OpenShare, openShare, quorumOpen } from './quorum.js';
export { redisBreakerStore } from './redis.js';
export {
  BREAKER_NAME,
  type BreakerDefaults,
  BreakerRegistry,
  type BreakerRegistryOptions,
  callWithCircuitBreaker,
  checkBreakerName,
  defaultBreakerRegistry,
} from './registry.js';
export {
  DEFAULT_RETRY_CLASSIFIER,
  DEFAULT_RETRY_INITIAL_DELAY_MS,
  DEFAULT_RETRY_MAX_ATTEMPTS,
  DEFAULT_RETRY_MAX_DELAY_MS,
  DEFAULT_RETRY_MAX_TOTAL_TIME_MS,
  type RetryEvent,
  type RetryOptions,
  RetryPolicy,
  retry,
} from './retry.js';
export { parseRetryAfter, retryAfterOf } from './retry-after.js';
export { sqliteBreakerStore } from './sqlite.js';
export { type BreakerStatus, breakerStatus } from './status.js';
export {
  BREAKER_TABLES,
  type BreakerClusterStore,
  type BreakerOverride,
  type ClusterView,
  type InstanceHeartbeat,
  OVERRIDE_MODES,
  type OverrideMode,
  type PublishedState,
  type StateCause,
} from './store.js';
export { type TimeoutOptions, TimeoutPolicy, timeout } from './timeout.js';
export {
  createWebhookNotifier,
  type NotifyResult,
  type WebhookNotifier,
  type WebhookNotifierOptions,
} from './webhook.js';
