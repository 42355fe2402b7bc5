// Idempotency keys: claim, replay, conflicts and transactional completion, on any store.
export { Claim, type ClaimState } from './claim.js';
export {
  createIdempotency,
  type Decision,
  type Idempotency,
  type IdempotencyRequest,
} from './engine.js';
export {
  canonicalJson,
  type FingerprintInput,
  fingerprint,
  type Scope,
  scopeId,
} from './fingerprint.js';
export {
  headerLines,
  IDEMPOTENCY_KEY_HEADER,
  type KeyHeaderResult,
  MAX_KEY_LENGTH,
  parseIdempotencyKey,
} from './key-header.js';
export { type IdempotencyMetrics, idempotencyMetrics } from './metrics.js';
export { idempotencyStore } from './open.js';
export {
  DEFAULT_LEASE_MS,
  DEFAULT_METHODS,
  DEFAULT_STORE_STATUS,
  DEFAULT_STORED_HEADERS,
  DEFAULT_TTL_MS,
  DEFAULT_WAIT_MS,
  type IdempotencyOptions,
  type ResolvedRouteOptions,
  type RouteIdempotencyOptions,
  resolveRouteOptions,
} from './options.js';
export { postgresIdempotencyStore } from './postgres.js';
export { redisIdempotencyStore } from './redis.js';
export {
  type IdempotentResponse,
  type ResponseToSend,
  retryAfterSeconds,
  serializeResponse,
} from './response.js';
export { sqliteIdempotencyStore } from './sqlite.js';
export {
  type ClaimResult,
  IDEMPOTENCY_TABLE,
  type IdempotencyStore,
  isTransactional,
  type StoredResponse,
  type TransactionalIdempotencyStore,
  type TransactionWork,
} from './store.js';
export {
  DEFAULT_SWEEP_BATCH_SIZE,
  DEFAULT_SWEEP_INTERVAL_MS,
  DEFAULT_SWEEP_MAX_BATCHES,
  type Sweeper,
  type SweeperOptions,
  startSweeper,
} from './sweeper.js';
