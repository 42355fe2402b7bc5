import type { Store } from '../store/types.js';
import { postgresPinStore } from './postgres.js';
import { redisPinStore } from './redis.js';
import { sqlitePinStore } from './sqlite.js';
import type { PinStoreOptions, VersionPinStore } from './store.js';

/**
 * The version pin store over an opened Breakwater store. SQL stores need the table from
 * `migrateBreakwater(store)` (0007_versioning.sql); Redis needs nothing.
 */
export function versionPinStore(store: Store, options: PinStoreOptions = {}): VersionPinStore {
  switch (store.kind) {
    case 'sqlite':
      return sqlitePinStore(store, options);
    case 'postgres':
      return postgresPinStore(store, options);
    case 'redis':
      return redisPinStore(store, options);
  }
}
