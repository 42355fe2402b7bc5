import { missingTables } from '../store/missing-tables.js';
import type { PostgresStore } from '../store/types.js';
import { BREAKER_SQL, type InstanceRow, numbered, type StateRow, viewFromRows } from './sql.js';
import { type BreakerClusterStore, type OverrideRow, overrideFromRow } from './store.js';

const SQL = {
  ...(Object.fromEntries(
    Object.entries(BREAKER_SQL).map(([name, sql]) => [name, numbered(sql)]),
  ) as Record<keyof typeof BREAKER_SQL, string>),
  /** Every state of one instance in one statement. */
  states_upsert: `INSERT INTO breakwater_breaker_states (instance, breaker, state, cause, since, updated_at)
    SELECT $1, breaker, state, cause, since, $2
    FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[]) AS s (breaker, state, cause, since)
    ON CONFLICT (instance, breaker) DO UPDATE SET state = excluded.state, cause = excluded.cause,
      since = excluded.since, updated_at = excluded.updated_at`,
};

/**
 * Breaker cluster state in PostgreSQL (tables from `migrateBreakwater`), shared by every
 * instance on any host. A publish is one transaction; an override is one atomic upsert.
 */
export function postgresBreakerStore(store: PostgresStore): BreakerClusterStore {
  const { pool } = store;
  const run = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw missingTables(error, store.url, 'breaker');
    }
  };

  return {
    kind: 'postgres',
    publish: (instance, startedAt, states, now) =>
      run(() =>
        store.transaction(async (client) => {
          await client.query(SQL.heartbeat, [instance, now, startedAt]);
          if (states.length === 0) return;
          await client.query(SQL.states_upsert, [
            instance,
            now,
            states.map((s) => s.breaker),
            states.map((s) => s.state),
            states.map((s) => s.cause),
            states.map((s) => s.since),
          ]);
        }),
      ),
    view: () =>
      run(async () => {
        const [instances, states] = await Promise.all([
          pool.query<InstanceRow>(SQL.instances),
          pool.query<StateRow>(SQL.states),
        ]);
        return viewFromRows(instances.rows, states.rows);
      }),
    overrides: () =>
      run(async () => (await pool.query<OverrideRow>(SQL.overrides)).rows.map(overrideFromRow)),
    setOverride: (breaker, mode, actor, now) =>
      run(async () => {
        const { rows } = await pool.query<OverrideRow>(SQL.override, [breaker, mode, actor, now]);
        return overrideFromRow(rows[0] as OverrideRow);
      }),
    leave: (instance) =>
      run(async () => {
        await pool.query(SQL.leave, [instance]);
      }),
    prune: (before) => run(async () => (await pool.query(SQL.prune, [before])).rowCount ?? 0),
  };
}
