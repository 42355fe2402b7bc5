// Per-organization quotas and rate limits: windowed counters, gauges and concurrency,
// consumed atomically across quotas on memory, SQLite, PostgreSQL or Redis.
export { quotaAdminRoutes } from './admin.js';
export {
  type CounterState,
  capacityOf,
  remainingOf,
  resetAt,
  retryAt,
  roll,
  usageOf,
} from './algorithm.js';
export { type CalendarWindow, calendarWindow, localDay, startOfLocalDay } from './calendar.js';
export { RECOGNITION_CREATE_QUOTAS, RECOGNITION_QUOTAS } from './defaults.js';
export {
  ALGORITHM,
  DEFAULT_ALGORITHM,
  DEFAULT_LEASE_MS,
  DEFAULT_STORE_FAILURE,
  DEFAULT_TIME_ZONE,
  DEFAULT_WARN_AT,
  type Enforcement,
  type Quota,
  type QuotaDefinition,
  type QuotaKind,
  type QuotaWindow,
  type RollingAlgorithm,
  resolveQuota,
  resolveQuotas,
  type StoreFailure,
} from './definition.js';
export {
  type ConsumedQuota,
  type Consumption,
  DEFAULT_FALLBACK_MAX_KEYS,
  DEFAULT_STORE_RETRY_MS,
  DEFAULT_STORE_TIMEOUT_MS,
} from './engine.js';
export type { QuotaEvent, QuotaListener } from './events.js';
export {
  formatPolicy,
  formatRateLimit,
  formatWarning,
  QUOTA_WARNING_HEADER,
  quotaHeaders,
  RATELIMIT_HEADER,
  RATELIMIT_POLICY_HEADER,
  retryAfterSeconds,
  sfString,
} from './headers.js';
export { DEFAULT_HISTORY_FLUSH_MS, DEFAULT_HISTORY_MAX_ROWS } from './history-buffer.js';
export type { DecisionInput, IncreaseInput, RequestFilter } from './increase.js';
export type { QuotaSubject } from './items.js';
export {
  DEFAULT_MEMORY_MAX_KEYS,
  type MemoryQuotaStoreOptions,
  memoryQuotaStore,
} from './memory.js';
export { quotaStore } from './open.js';
export { DEFAULT_OVERRIDE_CACHE_KEYS, DEFAULT_OVERRIDE_CACHE_MS } from './override-cache.js';
export { postgresQuotaStore } from './postgres.js';
export {
  QUOTA_EXCEEDED_TYPE,
  quotaExceededError,
  quotaProblem,
  type ViolatedPolicy,
} from './problem.js';
export {
  type ConsumeRequest,
  createQuotas,
  type Quotas,
  type QuotasOptions,
} from './quotas.js';
export type { DailyUsage, IncreaseRequest } from './records.js';
export { redisQuotaStore } from './redis.js';
export { DEFAULT_HISTORY_DAYS, type UsageEntry, type UsageReport } from './report.js';
export { sqliteQuotaStore } from './sqlite.js';
export type {
  ConsumeOutcome,
  HistoryDelta,
  ItemOutcome,
  QuotaItem,
  QuotaStore,
  RefundItem,
} from './store.js';
export type { QuotaUsage } from './usage.js';
