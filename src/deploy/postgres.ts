import type { PostgresStore } from '../store/types.js';
import { type DeployRow, type EventRow, toRecords } from './records.js';
import type { RouterState } from './state.js';
import { DEFAULT_HISTORY_LIMIT, type DeployStore } from './store.js';

const COLUMNS = 'id, service, kind, label, command, strategy, actor, created_at';
const SAVE_STATE = `INSERT INTO breakwater_router_state (service, state, updated_at) VALUES ($1, $2, $3)
  ON CONFLICT (service) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`;
const INSERT_EVENT =
  'INSERT INTO breakwater_deploy_events (deploy_id, phase, at, detail) VALUES ($1, $2, $3, $4)';

/** Deploy state and history in PostgreSQL (own migration 0006). */
export function postgresDeployStore(store: PostgresStore, service: string): DeployStore {
  const pool = store.pool;
  const eventsOf = async (ids: number[]): Promise<EventRow[]> =>
    ids.length === 0
      ? []
      : (
          await pool.query<EventRow>(
            `SELECT deploy_id, phase, at, detail FROM breakwater_deploy_events
             WHERE deploy_id = ANY($1::bigint[]) ORDER BY id`,
            [ids],
          )
        ).rows;

  return {
    loadState: async () => {
      const { rows } = await pool.query<{ state: RouterState }>(
        'SELECT state FROM breakwater_router_state WHERE service = $1',
        [service],
      );
      return rows[0]?.state;
    },
    saveState: async (state, at) => {
      await pool.query(SAVE_STATE, [service, JSON.stringify(state), at]);
    },
    begin: (entry, detail = {}) =>
      store.transaction(async (client) => {
        const { rows } = await client.query<{ id: string }>(
          `INSERT INTO breakwater_deploys (service, kind, label, command, strategy, actor, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
          [
            service,
            entry.kind,
            entry.label,
            entry.command === null ? null : JSON.stringify(entry.command),
            entry.strategy,
            entry.actor,
            entry.at,
          ],
        );
        const id = Number(rows[0]?.id);
        await client.query(INSERT_EVENT, [id, 'requested', entry.at, JSON.stringify(detail)]);
        return id;
      }),
    record: (deployId, event, state) =>
      store.transaction(async (client) => {
        await client.query(INSERT_EVENT, [
          deployId,
          event.phase,
          event.at,
          JSON.stringify(event.detail),
        ]);
        if (state) await client.query(SAVE_STATE, [service, JSON.stringify(state), event.at]);
      }),
    get: async (deployId) => {
      const { rows } = await pool.query<DeployRow>(
        `SELECT ${COLUMNS} FROM breakwater_deploys WHERE id = $1 AND service = $2`,
        [deployId, service],
      );
      return toRecords(rows, await eventsOf(rows.map((r) => Number(r.id))))[0];
    },
    history: async (options = {}) => {
      const { rows } = await pool.query<DeployRow>(
        `SELECT ${COLUMNS} FROM breakwater_deploys WHERE service = $1 ORDER BY id DESC LIMIT $2`,
        [service, options.limit ?? DEFAULT_HISTORY_LIMIT],
      );
      return toRecords(rows, await eventsOf(rows.map((r) => Number(r.id))));
    },
  };
}
