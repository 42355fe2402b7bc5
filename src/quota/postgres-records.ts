import type { PostgresStore } from '../store/types.js';
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
  VALUES ($1, $2, $3) ON CONFLICT (organization, quota) DO UPDATE SET quota_limit = EXCLUDED.quota_limit`;
const PLACEHOLDERS = REQUEST_COLUMNS.split(',')
  .map((_, i) => `$${i + 1}`)
  .join(', ');

/** Overrides, increase requests and daily history in PostgreSQL. */
export function postgresQuotaRecords(store: PostgresStore): Records {
  const pool = store.pool;
  return {
    overrides: async (organization) => {
      const { rows } = await pool.query<{ quota: string; quota_limit: number }>(
        'SELECT quota, quota_limit FROM breakwater_quota_overrides WHERE organization = $1',
        [organization],
      );
      return Object.fromEntries(rows.map((row) => [row.quota, row.quota_limit]));
    },
    setOverride: async (organization, quota, limit) => {
      if (limit === undefined) {
        await pool.query(
          'DELETE FROM breakwater_quota_overrides WHERE organization = $1 AND quota = $2',
          [organization, quota],
        );
      } else await pool.query(SET_OVERRIDE, [organization, quota, limit]);
    },
    createRequest: async (input) => {
      const request = pendingRequest(input);
      await pool.query(
        `INSERT INTO breakwater_quota_requests (${REQUEST_COLUMNS}) VALUES (${PLACEHOLDERS})`,
        requestValues(request),
      );
      return request;
    },
    getRequest: async (id) => {
      const { rows } = await pool.query<RequestRow>(
        `SELECT ${REQUEST_COLUMNS} FROM breakwater_quota_requests WHERE id = $1`,
        [id],
      );
      return rows[0] && toRequest(rows[0]);
    },
    listRequests: async (filter) => {
      const { rows } = await pool.query<RequestRow>(
        `SELECT ${REQUEST_COLUMNS} FROM breakwater_quota_requests
         WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR organization = $2)
         ORDER BY requested_at DESC, id LIMIT $3`,
        [
          filter.status ?? null,
          filter.organization ?? null,
          filter.limit ?? DEFAULT_REQUEST_LIST_LIMIT,
        ],
      );
      return rows.map(toRequest);
    },
    decideRequest: (decision) =>
      store.transaction(async (client) => {
        const { rows } = await client.query<RequestRow>(
          `SELECT ${REQUEST_COLUMNS} FROM breakwater_quota_requests WHERE id = $1 FOR UPDATE`,
          [decision.id],
        );
        const request = rows[0] && toRequest(rows[0]);
        if (request === undefined || request.status !== 'pending') return request;
        const next = decided(request, decision);
        await client.query(
          `UPDATE breakwater_quota_requests SET status = $1, decided_by = $2, decided_at = $3,
           granted_limit = $4, note = $5 WHERE id = $6`,
          [next.status, next.decidedBy, next.decidedAt, next.grantedLimit, next.note, next.id],
        );
        if (next.grantedLimit !== null) {
          await client.query(SET_OVERRIDE, [next.organization, next.quota, next.grantedLimit]);
        }
        return next;
      }),
    history: async (organization, from, to) => {
      const { rows } = await pool.query<DailyUsage>(
        `SELECT day, quota, used, refused, overage FROM breakwater_quota_usage_daily
         WHERE organization = $1 AND day >= $2 AND day <= $3 ORDER BY day, quota`,
        [organization, from, to],
      );
      return rows;
    },
  };
}
