import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteStore } from '../store/types.js';
import { type DailyUsage, decided, pendingRequest } from './records.js';
import {
  DEFAULT_REQUEST_LIST_LIMIT,
  REQUEST_COLUMNS,
  type RequestRow,
  requestValues,
  toRequest,
} from './sql-rows.js';
import type { QuotaStore } from './store.js';

type Records = Pick<
  QuotaStore,
  | 'overrides'
  | 'setOverride'
  | 'createRequest'
  | 'getRequest'
  | 'listRequests'
  | 'decideRequest'
  | 'history'
>;

const SET_OVERRIDE = `INSERT INTO breakwater_quota_overrides (organization, quota, quota_limit)
  VALUES (?, ?, ?) ON CONFLICT (organization, quota) DO UPDATE SET quota_limit = excluded.quota_limit`;
const PLACEHOLDERS = REQUEST_COLUMNS.split(',')
  .map(() => '?')
  .join(', ');

/** Overrides, increase requests and daily history in SQLite. */
export function sqliteQuotaRecords(
  store: SqliteStore,
  sql: (text: string) => BetterSqlite3.Statement,
): Records {
  const get = (id: string) => {
    const row = sql(`SELECT ${REQUEST_COLUMNS} FROM breakwater_quota_requests WHERE id = ?`).get(
      id,
    ) as RequestRow | undefined;
    return row && toRequest(row);
  };
  return {
    overrides: async (organization) => {
      const rows = sql(
        'SELECT quota, quota_limit FROM breakwater_quota_overrides WHERE organization = ?',
      ).all(organization) as Array<{ quota: string; quota_limit: number }>;
      return Object.fromEntries(rows.map((row) => [row.quota, row.quota_limit]));
    },
    setOverride: async (organization, quota, limit) => {
      if (limit === undefined) {
        sql('DELETE FROM breakwater_quota_overrides WHERE organization = ? AND quota = ?').run(
          organization,
          quota,
        );
      } else sql(SET_OVERRIDE).run(organization, quota, limit);
    },
    createRequest: async (input) => {
      const request = pendingRequest(input);
      sql(
        `INSERT INTO breakwater_quota_requests (${REQUEST_COLUMNS}) VALUES (${PLACEHOLDERS})`,
      ).run(...requestValues(request));
      return request;
    },
    getRequest: async (id) => get(id),
    listRequests: async (filter) => {
      const rows = sql(
        `SELECT ${REQUEST_COLUMNS} FROM breakwater_quota_requests
         WHERE (? IS NULL OR status = ?) AND (? IS NULL OR organization = ?)
         ORDER BY requested_at DESC, id LIMIT ?`,
      ).all(
        filter.status ?? null,
        filter.status ?? null,
        filter.organization ?? null,
        filter.organization ?? null,
        filter.limit ?? DEFAULT_REQUEST_LIST_LIMIT,
      ) as RequestRow[];
      return rows.map(toRequest);
    },
    decideRequest: async (decision) =>
      store.transaction(() => {
        const request = get(decision.id);
        if (request === undefined || request.status !== 'pending') return request;
        const next = decided(request, decision);
        sql(
          `UPDATE breakwater_quota_requests SET status = ?, decided_by = ?, decided_at = ?,
           granted_limit = ?, note = ? WHERE id = ?`,
        ).run(next.status, next.decidedBy, next.decidedAt, next.grantedLimit, next.note, next.id);
        if (next.grantedLimit !== null) {
          sql(SET_OVERRIDE).run(next.organization, next.quota, next.grantedLimit);
        }
        return next;
      }),
    history: async (organization, from, to) =>
      sql(
        `SELECT day, quota, used, refused, overage FROM breakwater_quota_usage_daily
         WHERE organization = ? AND day >= ? AND day <= ? ORDER BY day, quota`,
      ).all(organization, from, to) as DailyUsage[],
  };
}
