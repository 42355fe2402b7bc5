import type { Store } from '../store/types.js';
import { memoryQuotaStore } from './memory.js';
import { postgresQuotaStore } from './postgres.js';
import { redisQuotaStore } from './redis.js';
import { sqliteQuotaStore } from './sqlite.js';
import type { QuotaStore } from './store.js';

/**
 * The quota store over an opened Breakwater store, or `memory` for one process. SQL stores
 * need `migrateBreakwater(store)` first (migrations/<dialect>/0003_quota.sql).
 */
export function quotaStore(store: Store | 'memory'): QuotaStore {
  if (store === 'memory') return memoryQuotaStore();
  switch (store.kind) {
    case 'sqlite':
      return sqliteQuotaStore(store);
    case 'postgres':
      return postgresQuotaStore(store);
    case 'redis':
      return redisQuotaStore(store);
  }
}

export function isQuotaStore(value: unknown): value is QuotaStore {
  return typeof (value as Partial<QuotaStore>)?.consume === 'function';
}
