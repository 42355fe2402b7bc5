import type { Store } from '../store/types.js';
import { postgresBreakerStore } from './postgres.js';
import { redisBreakerStore } from './redis.js';
import { sqliteBreakerStore } from './sqlite.js';
import type { BreakerClusterStore } from './store.js';

/**
 * The breaker cluster store over an opened Breakwater store. SQL stores need the tables
 * from `migrateBreakwater(store)` (migration 0004_breakers).
 */
export function breakerClusterStore(store: Store): BreakerClusterStore {
  switch (store.kind) {
    case 'sqlite':
      return sqliteBreakerStore(store);
    case 'postgres':
      return postgresBreakerStore(store);
    case 'redis':
      return redisBreakerStore(store);
  }
}
