import type BetterSqlite3 from 'better-sqlite3';
import { missingTables } from '../store/missing-tables.js';
import type { SqliteStore } from '../store/types.js';
import { BREAKER_SQL, type InstanceRow, type StateRow, viewFromRows } from './sql.js';
import { type BreakerClusterStore, type OverrideRow, overrideFromRow } from './store.js';

const SQL = {
  ...BREAKER_SQL,
  state: `INSERT INTO breakwater_breaker_states (instance, breaker, state, cause, since, updated_at)
    VALUES (@instance, @breaker, @state, @cause, @since, @updatedAt)
    ON CONFLICT (instance, breaker) DO UPDATE SET state = excluded.state, cause = excluded.cause,
      since = excluded.since, updated_at = excluded.updated_at`,
};

/**
 * Breaker cluster state in the SQLite file (tables from `migrateBreakwater`). Each write is
 * one BEGIN IMMEDIATE transaction, so processes sharing the file never see half a publish.
 * better-sqlite3 is synchronous: a publish holds the event loop for its (short) write.
 */
export function sqliteBreakerStore(store: SqliteStore): BreakerClusterStore {
  const db = store.db;
  let prepared: Record<keyof typeof SQL, BetterSqlite3.Statement> | undefined;
  // Prepared on first use, so the store can be built before the tables are migrated.
  const stmt = () => {
    try {
      prepared ??= Object.fromEntries(
        Object.entries(SQL).map(([name, sql]) => [name, db.prepare(sql)]),
      ) as Record<keyof typeof SQL, BetterSqlite3.Statement>;
    } catch (error) {
      throw missingTables(error, store.url, 'breaker');
    }
    return prepared;
  };

  return {
    kind: 'sqlite',
    publish: async (instance, startedAt, states, now) => {
      const s = stmt();
      store.transaction(() => {
        s.heartbeat.run(instance, now, startedAt);
        for (const state of states) s.state.run({ ...state, instance, updatedAt: now });
      });
    },
    view: async () => {
      const s = stmt();
      return viewFromRows(s.instances.all() as InstanceRow[], s.states.all() as StateRow[]);
    },
    overrides: async () => (stmt().overrides.all() as OverrideRow[]).map(overrideFromRow),
    setOverride: async (breaker, mode, actor, now) => {
      const s = stmt();
      const row = store.transaction(() => s.override.get(breaker, mode, actor, now) as OverrideRow);
      return overrideFromRow(row);
    },
    leave: async (instance) => {
      stmt().leave.run(instance);
    },
    prune: async (before) => stmt().prune.run(before).changes,
  };
}
