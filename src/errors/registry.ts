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
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorName = keyof typeof errors;
