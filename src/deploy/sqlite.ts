import type { SqliteStore } from '../store/types.js';
import { type DeployRow, type EventRow, toRecords } from './records.js';
import type { RouterState } from './state.js';
import { DEFAULT_HISTORY_LIMIT, type DeployStore } from './store.js';

const COLUMNS = 'id, service, kind, label, command, strategy, actor, created_at';

type TextRow = Omit<DeployRow, 'command'> & { command: string | null };
const parseRow = (row: TextRow): DeployRow => ({
  ...row,
  command: row.command === null ? null : (JSON.parse(row.command) as DeployRow['command']),
});

/** Deploy state and history in SQLite (own migration 0006). */
export function sqliteDeployStore(store: SqliteStore, service: string): DeployStore {
  const db = store.db;
  const saveState = (state: RouterState, at: string) =>
    db
      .prepare(
        `INSERT INTO breakwater_router_state (service, state, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (service) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
      )
      .run(service, JSON.stringify(state), at);
  const insertEvent = db.prepare(
    'INSERT INTO breakwater_deploy_events (deploy_id, phase, at, detail) VALUES (?, ?, ?, ?)',
  );
  const eventsOf = (ids: number[]): EventRow[] =>
    ids.length === 0
      ? []
      : (
          db
            .prepare(
              `SELECT deploy_id, phase, at, detail FROM breakwater_deploy_events
             WHERE deploy_id IN (${ids.map(() => '?').join(',')}) ORDER BY id`,
            )
            .all(...ids) as Array<Omit<EventRow, 'detail'> & { detail: string }>
        ).map((row) => ({ ...row, detail: JSON.parse(row.detail) as Record<string, unknown> }));

  return {
    loadState: async () => {
      const row = db
        .prepare('SELECT state FROM breakwater_router_state WHERE service = ?')
        .get(service) as { state: string } | undefined;
      return row ? (JSON.parse(row.state) as RouterState) : undefined;
    },
    saveState: async (state, at) => {
      saveState(state, at.toISOString());
    },
    begin: async (entry, detail = {}) =>
      store.transaction(() => {
        const at = entry.at.toISOString();
        const result = db
          .prepare(
            `INSERT INTO breakwater_deploys (service, kind, label, command, strategy, actor, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            service,
            entry.kind,
            entry.label,
            entry.command === null ? null : JSON.stringify(entry.command),
            entry.strategy,
            entry.actor,
            at,
          );
        const id = Number(result.lastInsertRowid);
        insertEvent.run(id, 'requested', at, JSON.stringify(detail));
        return id;
      }),
    record: async (deployId, event, state) => {
      store.transaction(() => {
        insertEvent.run(deployId, event.phase, event.at, JSON.stringify(event.detail));
        if (state) saveState(state, event.at);
      });
    },
    get: async (deployId) => {
      const text = db
        .prepare(`SELECT ${COLUMNS} FROM breakwater_deploys WHERE id = ? AND service = ?`)
        .all(deployId, service) as TextRow[];
      const rows = text.map(parseRow);
      return toRecords(rows, eventsOf(rows.map((r) => Number(r.id))))[0];
    },
    history: async (options = {}) => {
      const rows = (
        db
          .prepare(
            `SELECT ${COLUMNS} FROM breakwater_deploys WHERE service = ? ORDER BY id DESC LIMIT ?`,
          )
          .all(service, options.limit ?? DEFAULT_HISTORY_LIMIT) as TextRow[]
      ).map(parseRow);
      return toRecords(rows, eventsOf(rows.map((r) => Number(r.id))));
    },
  };
}
