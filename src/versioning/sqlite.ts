import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteStore } from '../store/types.js';
import {
  checkPinArguments,
  missingPinTable,
  type PinStoreOptions,
  VERSION_PINS_TABLE as T,
  type VersionPin,
  type VersionPinStore,
} from './store.js';

interface PinRow {
  org_id: string;
  version: string;
  pinned_at: number;
}

const SQL = {
  get: `SELECT org_id, version, pinned_at FROM ${T} WHERE org_id = ?`,
  insert: `INSERT INTO ${T} (org_id, version, pinned_at) VALUES (?, ?, ?)
    ON CONFLICT (org_id) DO NOTHING`,
  set: `INSERT INTO ${T} (org_id, version, pinned_at) VALUES (?, ?, ?)
    ON CONFLICT (org_id) DO UPDATE SET version = excluded.version, pinned_at = excluded.pinned_at
    RETURNING org_id, version, pinned_at`,
};

type Statements = Record<keyof typeof SQL, BetterSqlite3.Statement>;

const toPin = (row: PinRow): VersionPin => ({
  orgId: row.org_id,
  version: row.version,
  pinnedAt: Number(row.pinned_at),
});

/** Version pins in the SQLite store's file (table from `migrateBreakwater(store)`). */
export function sqlitePinStore(store: SqliteStore, options: PinStoreOptions = {}): VersionPinStore {
  const now = options.now ?? Date.now;
  let prepared: Statements | undefined;
  // Prepared on first use, so the store can be built before the table is migrated.
  const run = <R>(signal: AbortSignal | undefined, fn: (s: Statements) => R): R => {
    signal?.throwIfAborted();
    try {
      prepared ??= {
        get: store.db.prepare(SQL.get),
        insert: store.db.prepare(SQL.insert),
        set: store.db.prepare(SQL.set),
      };
      return fn(prepared);
    } catch (error) {
      throw missingPinTable(error, store.url);
    }
  };
  const get = (s: Statements, orgId: string) => {
    const row = s.get.get(orgId) as PinRow | undefined;
    return row ? toPin(row) : undefined;
  };

  return {
    kind: 'sqlite',
    getPin: async (orgId, signal) => {
      checkPinArguments(orgId);
      return run(signal, (s) => get(s, orgId));
    },
    pinIfAbsent: async (orgId, version, signal) => {
      checkPinArguments(orgId, version);
      return run(signal, (s) => {
        s.insert.run(orgId, version, now());
        return get(s, orgId) as VersionPin;
      });
    },
    setPin: async (orgId, version, signal) => {
      checkPinArguments(orgId, version);
      return run(signal, (s) => toPin(s.set.get(orgId, version, now()) as PinRow));
    },
  };
}
