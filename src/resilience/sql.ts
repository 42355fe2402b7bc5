import type { ClusterView, PublishedState } from './store.js';

/**
 * The statements both SQL stores run, with `?` placeholders (`numbered` turns them into
 * PostgreSQL's `$n`). Only the state upsert differs: one row per statement on SQLite, one
 * `unnest` for all of them on PostgreSQL.
 */
export const BREAKER_SQL = Object.freeze({
  heartbeat: `INSERT INTO breakwater_breaker_instances (instance, heartbeat_at, started_at)
    VALUES (?, ?, ?) ON CONFLICT (instance) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
  instances: 'SELECT instance, heartbeat_at, started_at FROM breakwater_breaker_instances',
  states: `SELECT instance, breaker, state, cause, since, updated_at
    FROM breakwater_breaker_states ORDER BY breaker, instance`,
  overrides: 'SELECT breaker, mode, version, actor, updated_at FROM breakwater_breaker_overrides',
  override: `INSERT INTO breakwater_breaker_overrides (breaker, mode, version, actor, updated_at)
    VALUES (?, ?, 1, ?, ?) ON CONFLICT (breaker) DO UPDATE SET mode = excluded.mode,
      version = breakwater_breaker_overrides.version + 1, actor = excluded.actor,
      updated_at = excluded.updated_at
    RETURNING breaker, mode, version, actor, updated_at`,
  leave: 'DELETE FROM breakwater_breaker_instances WHERE instance = ?',
  prune: 'DELETE FROM breakwater_breaker_instances WHERE heartbeat_at < ?',
});

/** `? ... ?` -> `$1 ... $n`. */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** Rows as SQL returns them (PostgreSQL BIGINTs arrive as strings). */
export interface InstanceRow {
  instance: string;
  heartbeat_at: number | string;
  started_at: number | string;
}

export interface StateRow {
  instance: string;
  breaker: string;
  state: PublishedState['state'];
  cause: PublishedState['cause'];
  since: number | string;
  updated_at: number | string;
}

export function viewFromRows(instances: InstanceRow[], states: StateRow[]): ClusterView {
  return {
    instances: instances.map((r) => ({
      instance: r.instance,
      heartbeatAt: Number(r.heartbeat_at),
      startedAt: Number(r.started_at),
    })),
    states: states.map((r) => ({
      instance: r.instance,
      breaker: r.breaker,
      state: r.state,
      cause: r.cause,
      since: Number(r.since),
      updatedAt: Number(r.updated_at),
    })),
  };
}
