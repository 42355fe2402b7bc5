import type { Store } from '../store/types.js';
import { postgresIdempotencyStore } from './postgres.js';
import { redisIdempotencyStore } from './redis.js';
import { sqliteIdempotencyStore } from './sqlite.js';
import type { IdempotencyStore } from './store.js';

/**
 * The idempotency store over an opened Breakwater store. SQL stores need the table from
 * `migrateBreakwater(store)`; SQLite and PostgreSQL also support transactional mode.
 */
export function idempotencyStore(store: Store): IdempotencyStore {
  switch (store.kind) {
    case 'sqlite':
      return sqliteIdempotencyStore(store);
    case 'postgres':
      return postgresIdempotencyStore(store);
    case 'redis':
      return redisIdempotencyStore(store);
  }
}
