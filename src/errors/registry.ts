import type { ErrorDefinition } from './breakwater-error.js';

/**
 * Every error Breakwater raises, in one place. Codes are stable and never reused; add new
 * ones at the end of their area. The problem `type` is derived from the code.
 */
function define(code: string, status: number, title: string): ErrorDefinition {
  return Object.freeze({ code, status, title });
}

export const errors = {
  // Configuration
  CONFIG_INVALID: define('BW_CONFIG_INVALID', 500, 'Invalid configuration'),

  // Stores
  STORE_URL_INVALID: define('BW_STORE_URL_INVALID', 500, 'Invalid store URL'),
  STORE_UNSUPPORTED: define('BW_STORE_UNSUPPORTED', 500, 'Store does not support this capability'),
  STORE_UNAVAILABLE: define('BW_STORE_UNAVAILABLE', 503, 'Store unavailable'),
  STORE_CLOSED: define('BW_STORE_CLOSED', 500, 'Store closed'),

  // Migrations
  MIGRATE_DIR_INVALID: define('BW_MIGRATE_DIR_INVALID', 500, 'Invalid migration directory'),
  MIGRATE_FILE_INVALID: define('BW_MIGRATE_FILE_INVALID', 500, 'Invalid migration file'),
  MIGRATE_CHECKSUM_MISMATCH: define(
    'BW_MIGRATE_CHECKSUM_MISMATCH',
    500,
    'Applied migration was edited',
  ),
  MIGRATE_MISSING: define('BW_MIGRATE_MISSING', 500, 'Applied migration was deleted'),
  MIGRATE_LOCK_TIMEOUT: define(
    'BW_MIGRATE_LOCK_TIMEOUT',
    503,
    'Migration lock not acquired in time',
  ),
  MIGRATE_FAILED: define('BW_MIGRATE_FAILED', 500, 'Migration failed'),
  MIGRATE_VALIDATION_FAILED: define(
    'BW_MIGRATE_VALIDATION_FAILED',
    500,
    'Migration validation failed',
  ),
  MIGRATE_LINT_FAILED: define('BW_MIGRATE_LINT_FAILED', 500, 'Migration has lint errors'),
  MIGRATE_NO_DOWN: define('BW_MIGRATE_NO_DOWN', 500, 'Migration has no down section'),
  MIGRATE_BACKUP_UNAVAILABLE: define('BW_MIGRATE_BACKUP_UNAVAILABLE', 500, 'Backup not possible'),
  MIGRATE_BACKUP_FAILED: define('BW_MIGRATE_BACKUP_FAILED', 500, 'Backup failed'),
  MIGRATE_RESTORE_FAILED: define('BW_MIGRATE_RESTORE_FAILED', 500, 'Restore failed'),

  // HTTP
  HTTP_NOT_FOUND: define('BW_HTTP_NOT_FOUND', 404, 'Not Found'),
  HTTP_BAD_REQUEST: define('BW_HTTP_BAD_REQUEST', 400, 'Bad Request'),
  HTTP_VALIDATION: define('BW_HTTP_VALIDATION', 400, 'Request validation failed'),
  HTTP_UNAUTHORIZED: define('BW_HTTP_UNAUTHORIZED', 401, 'Unauthorized'),
  HTTP_INTERNAL: define('BW_HTTP_INTERNAL', 500, 'Internal Server Error'),
  HTTP_SHUTTING_DOWN: define('BW_HTTP_SHUTTING_DOWN', 503, 'Service is shutting down'),
  HTTP_PAYLOAD_TOO_LARGE: define('BW_HTTP_PAYLOAD_TOO_LARGE', 413, 'Payload Too Large'),
  HTTP_UNSUPPORTED_MEDIA_TYPE: define(
    'BW_HTTP_UNSUPPORTED_MEDIA_TYPE',
    415,
    'Unsupported Media Type',
  ),
  HTTP_FORBIDDEN: define('BW_HTTP_FORBIDDEN', 403, 'Forbidden'),
  HTTP_METHOD_NOT_ALLOWED: define('BW_HTTP_METHOD_NOT_ALLOWED', 405, 'Method Not Allowed'),

  // Idempotency keys
  IDEMPOTENCY_KEY_INVALID: define('BW_IDEMPOTENCY_KEY_INVALID', 400, 'Invalid Idempotency-Key'),
  IDEMPOTENCY_KEY_MISSING: define('BW_IDEMPOTENCY_KEY_MISSING', 400, 'Idempotency-Key required'),
  IDEMPOTENCY_KEY_MISMATCH: define(
    'BW_IDEMPOTENCY_KEY_MISMATCH',
    422,
    'Idempotency-Key reused with a different request',
  ),
  IDEMPOTENCY_IN_FLIGHT: define(
    'BW_IDEMPOTENCY_IN_FLIGHT',
    409,
    'A request with this Idempotency-Key is in progress',
  ),
  IDEMPOTENCY_LEASE_LOST: define(
    'BW_IDEMPOTENCY_LEASE_LOST',
    409,
    'Idempotency lease lost before completion',
  ),
  IDEMPOTENCY_STORE_UNAVAILABLE: define(
    'BW_IDEMPOTENCY_STORE_UNAVAILABLE',
    503,
    'Idempotency store unavailable',
  ),

  // Resilience
  BREAKER_OPEN: define('BW_BREAKER_OPEN', 503, 'Circuit breaker is open'),
  BREAKER_NOT_FOUND: define('BW_BREAKER_NOT_FOUND', 404, 'No such circuit breaker'),
  BULKHEAD_REJECTED: define('BW_BULKHEAD_REJECTED', 503, 'Bulkhead full'),
  TIMEOUT: define('BW_TIMEOUT', 504, 'Operation timed out'),
  RETRY_EXHAUSTED: define('BW_RETRY_EXHAUSTED', 503, 'Retries exhausted'),

  // Quotas
  QUOTA_EXCEEDED: define('BW_QUOTA_EXCEEDED', 429, 'Quota exceeded'),
  QUOTA_STORE_UNAVAILABLE: define('BW_QUOTA_STORE_UNAVAILABLE', 503, 'Quota store unavailable'),
  QUOTA_REQUEST_NOT_FOUND: define(
    'BW_QUOTA_REQUEST_NOT_FOUND',
    404,
    'Quota increase request not found',
  ),
  QUOTA_INVALID: define('BW_QUOTA_INVALID', 400, 'Invalid quota request'),
  QUOTA_UNKNOWN: define('BW_QUOTA_UNKNOWN', 404, 'Unknown quota'),
  QUOTA_REQUEST_DECIDED: define(
    'BW_QUOTA_REQUEST_DECIDED',
    409,
    'Quota increase request already decided',
  ),

  // Jobs
  JOBS_INVALID: define('BW_JOBS_INVALID', 400, 'Invalid job'),
  JOBS_NOT_FOUND: define('BW_JOBS_NOT_FOUND', 404, 'Job not found'),
  JOBS_INVALID_STATE: define('BW_JOBS_INVALID_STATE', 409, 'Job is not in a state for this'),
  JOBS_TIMEOUT: define('BW_JOBS_TIMEOUT', 500, 'Job timed out'),
  JOBS_LEASE_LOST: define('BW_JOBS_LEASE_LOST', 409, 'Job lease lost'),
  JOBS_CANCELLED: define('BW_JOBS_CANCELLED', 409, 'Job cancelled'),
  JOBS_SHUTDOWN: define('BW_JOBS_SHUTDOWN', 503, 'Worker shutting down'),
  JOBS_MODULE_INVALID: define('BW_JOBS_MODULE_INVALID', 500, 'Invalid job handler module'),
  JOBS_SCHEDULE_INVALID: define('BW_JOBS_SCHEDULE_INVALID', 500, 'Invalid job schedule'),

  // API versioning
  VERSION_UNKNOWN: define('BW_VERSION_UNKNOWN', 400, 'Unknown or malformed API version'),
  VERSION_SUNSET: define('BW_VERSION_SUNSET', 410, 'API version or route no longer served'),
  VERSIONING_CONFIG: define('BW_VERSIONING_CONFIG', 500, 'Invalid API versioning configuration'),
  VERSION_STORE_UNAVAILABLE: define(
    'BW_VERSION_STORE_UNAVAILABLE',
    503,
    'API version pin store unavailable',
  ),

  // Router and deploys
  ROUTER_NO_UPSTREAM: define('BW_ROUTER_NO_UPSTREAM', 503, 'No upstream is ready'),
  ROUTER_UPSTREAM_FAILED: define('BW_ROUTER_UPSTREAM_FAILED', 502, 'Upstream failed'),
  ROUTER_UPSTREAM_TIMEOUT: define('BW_ROUTER_UPSTREAM_TIMEOUT', 504, 'Upstream timed out'),
  DEPLOY_IN_PROGRESS: define('BW_DEPLOY_IN_PROGRESS', 409, 'A deploy is in progress'),
  DEPLOY_NOT_IN_PROGRESS: define('BW_DEPLOY_NOT_IN_PROGRESS', 409, 'No deploy is in progress'),
  DEPLOY_NOT_IN_ROLLOUT: define(
    'BW_DEPLOY_NOT_IN_ROLLOUT',
    409,
    'The deploy under way is not in its canary steps',
  ),
  DEPLOY_NOT_PAUSED: define('BW_DEPLOY_NOT_PAUSED', 409, 'The canary under way is not paused'),
  DEPLOY_NO_STANDBY: define('BW_DEPLOY_NO_STANDBY', 409, 'No version to roll back to'),
  DEPLOY_NOT_FOUND: define('BW_DEPLOY_NOT_FOUND', 404, 'No such deploy'),
  DEPLOY_INVALID: define('BW_DEPLOY_INVALID', 400, 'Invalid deploy request'),
  DEPLOY_ADMIN_UNREACHABLE: define(
    'BW_DEPLOY_ADMIN_UNREACHABLE',
    503,
    'Router admin API unreachable',
  ),
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorName = keyof typeof errors;
