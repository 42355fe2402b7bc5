export { DEFAULT_HEALTH_TIMEOUT_MS, probe } from './health.js';
export {
  type OpenStoreOptions,
  openRedisFromEnv,
  openStore,
  redisUrlFromEnv,
  storeUrlFromEnv,
} from './open.js';
export { DEFAULT_POSTGRES_POOL_SIZE, openPostgres, type PostgresOptions } from './postgres.js';
export { openRedis, type RedisOptions } from './redis.js';
export { isRetryable, retryableReason } from './retryable.js';
export { DEFAULT_SQLITE_BUSY_TIMEOUT_MS, openSqlite, type SqliteOptions } from './sqlite.js';
export type {
  PostgresStore,
  RedisStore,
  SqliteStore,
  SqlStore,
  Store,
  StoreHealth,
  StoreKind,
} from './types.js';
export { DEFAULT_SQLITE_PATH, parseStoreUrl, redact, type StoreLocation } from './url.js';
