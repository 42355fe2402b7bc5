import type { PostgresStore } from '../store/types.js';
import {
  checkPinArguments,
  missingPinTable,
  type PinStoreOptions,
  VERSION_PINS_TABLE as T,
  type VersionPin,
  type VersionPinStore,
} from './store.js';

/** The part of pg's Pool this store uses. */
interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

interface PinRow {
  org_id: string;
  version: string;
  pinned_at: string | number;
}

const SQL = {
  get: `SELECT org_id, version, pinned_at FROM ${T} WHERE org_id = $1`,
  // Two statements, not one with a CTE: a statement's snapshot would miss a row another
  // transaction committed while this insert waited on it; the follow-up SELECT sees it.
  insert: `INSERT INTO ${T} (org_id, version, pinned_at) VALUES ($1, $2, $3)
    ON CONFLICT (org_id) DO NOTHING`,
  set: `INSERT INTO ${T} (org_id, version, pinned_at) VALUES ($1, $2, $3)
    ON CONFLICT (org_id) DO UPDATE SET version = EXCLUDED.version, pinned_at = EXCLUDED.pinned_at
    RETURNING org_id, version, pinned_at`,
};

const toPin = (row: PinRow): VersionPin => ({
  orgId: row.org_id,
  version: row.version,
  pinnedAt: Number(row.pinned_at),
});

/** Version pins in PostgreSQL (the store's schema via search_path). */
export function postgresPinStore(
  store: PostgresStore,
  options: PinStoreOptions = {},
): VersionPinStore {
  const now = options.now ?? Date.now;
  const pool = store.pool as unknown as Queryable;
  const query = async (signal: AbortSignal | undefined, sql: string, values: unknown[]) => {
    signal?.throwIfAborted();
    try {
      return (await pool.query(sql, values)).rows as PinRow[];
    } catch (error) {
      throw missingPinTable(error, store.url);
    }
  };
  const getPin = async (orgId: string, signal?: AbortSignal) => {
    const [row] = await query(signal, SQL.get, [orgId]);
    return row ? toPin(row) : undefined;
  };

  return {
    kind: 'postgres',
    getPin: async (orgId, signal) => {
      checkPinArguments(orgId);
      return getPin(orgId, signal);
    },
    pinIfAbsent: async (orgId, version, signal) => {
      checkPinArguments(orgId, version);
      await query(signal, SQL.insert, [orgId, version, now()]);
      return (await getPin(orgId, signal)) as VersionPin;
    },
    setPin: async (orgId, version, signal) => {
      checkPinArguments(orgId, version);
      const [row] = await query(signal, SQL.set, [orgId, version, now()]);
      return toPin(row as PinRow);
    },
  };
}
