import type { PoolClient } from 'pg';
import type { PostgresStore } from '../store/types.js';
import { type CounterState, EMPTY_STATE, roll } from './algorithm.js';
import { refundState } from './decide.js';
import { ALGORITHM } from './definition.js';
import { byKey, byteOrder, consumePostgres, pairKey } from './postgres-consume.js';
import { postgresQuotaRecords } from './postgres-records.js';
import { withRetry } from './retry.js';
import type { QuotaStore } from './store.js';

const PAIRS = 'SELECT * FROM unnest($1::text[], $2::text[])';
const SQL = {
  ensure: `INSERT INTO breakwater_quota_counters (quota, subject) ${PAIRS} ON CONFLICT DO NOTHING`,
  lock: `SELECT quota, subject, window_start, used, prev FROM breakwater_quota_counters
         WHERE (quota, subject) IN (${PAIRS})
         ORDER BY quota COLLATE "C", subject COLLATE "C" FOR UPDATE`,
  read: `SELECT quota, subject, window_start, used, prev FROM breakwater_quota_counters
         WHERE (quota, subject) IN (${PAIRS})`,
  limits: `SELECT organization, quota, quota_limit FROM breakwater_quota_overrides
           WHERE (organization, quota) IN (${PAIRS})`,
  expire:
    'DELETE FROM breakwater_quota_leases WHERE quota = $1 AND subject = $2 AND expires_at <= $3',
  leases:
    'SELECT count(*)::int AS n FROM breakwater_quota_leases WHERE quota = $1 AND subject = $2 AND expires_at > $3',
  lease:
    'INSERT INTO breakwater_quota_leases (lease_id, quota, subject, expires_at) VALUES ($1, $2, $3, $4)',
  release: 'DELETE FROM breakwater_quota_leases WHERE lease_id = $1',
  save: `UPDATE breakwater_quota_counters AS c SET window_start = v.s, used = v.u, prev = v.p
         FROM unnest($1::text[], $2::text[], $3::bigint[], $4::float8[], $5::float8[]) AS v(q, sub, s, u, p)
         WHERE c.quota = v.q AND c.subject = v.sub`,
  // a refund may leave a negative `used` in a new row: the second statement makes it 0
  history: `INSERT INTO breakwater_quota_usage_daily AS h (organization, day, quota, used, refused, overage)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::float8[])
            ON CONFLICT (organization, day, quota) DO UPDATE SET used = greatest(0, h.used + EXCLUDED.used),
              refused = h.refused + EXCLUDED.refused, overage = h.overage + EXCLUDED.overage`,
  unhistory: `UPDATE breakwater_quota_usage_daily SET used = 0 WHERE used < 0
              AND (organization, day, quota) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`,
} as const;

interface StateRow {
  quota: string;
  subject: string;
  window_start: string;
  used: number;
  prev: number;
}

interface OverrideRow {
  organization: string;
  quota: string;
  quota_limit: number;
}

/**
 * Loads the states of `sorted` (locked FOR UPDATE when `lock`; rows created first when
 * `ensure`), keyed by quota+subject.
 */
async function states(
  client: Pick<PoolClient, 'query'>,
  sorted: Array<{ quota: { name: string }; subject: string }>,
  lock: boolean,
  ensure: boolean,
): Promise<Map<string, CounterState>> {
  const params = [sorted.map((p) => p.quota.name), sorted.map((p) => p.subject)];
  if (ensure) await client.query(SQL.ensure, params);
  const { rows } = await client.query<StateRow>(lock ? SQL.lock : SQL.read, params);
  return new Map(
    rows.map((r) => [
      pairKey(r.quota, r.subject),
      { start: Number(r.window_start), used: r.used, prev: r.prev },
    ]),
  );
}

const overrideMap = (rows: OverrideRow[]): Map<string, number> =>
  new Map(rows.map((r) => [pairKey(r.organization, r.quota), r.quota_limit]));

async function limits(
  client: Pick<PoolClient, 'query'>,
  items: Array<{ organization: string; quota: { name: string } }>,
): Promise<Map<string, number>> {
  const { rows } = await client.query<OverrideRow>(SQL.limits, [
    items.map((i) => i.organization),
    items.map((i) => i.quota.name),
  ]);
  return overrideMap(rows);
}

async function leaseCount(
  client: Pick<PoolClient, 'query'>,
  quota: string,
  subject: string,
  now: number,
  expire: boolean,
) {
  if (expire) await client.query(SQL.expire, [quota, subject, now]);
  const { rows } = await client.query<{ n: number }>(SQL.leases, [quota, subject, now]);
  return rows[0]?.n ?? 0;
}

export interface PostgresQuotaStoreOptions {
  /**
   * Wait for the WAL flush on each consume; default false (`synchronous_commit = off` for
   * these transactions only): a database crash may forget the last fraction of a second of
   * counting, never leaves it inconsistent, and keys stay locked for far less time.
   */
  synchronousCommit?: boolean;
}

export const DEFAULT_SYNCHRONOUS_COMMIT = false;

/**
 * Quotas in PostgreSQL: each step one transaction that creates and locks the keys' counter
 * rows (SELECT ... FOR UPDATE in byte order, so two steps never deadlock), decides, and
 * writes. Retried on serialization failures and deadlocks. Needs `migrateBreakwater(store)`.
 */
export function postgresQuotaStore(
  store: PostgresStore,
  options: PostgresQuotaStoreOptions = {},
): QuotaStore {
  const durable = options.synchronousCommit ?? DEFAULT_SYNCHRONOUS_COMMIT;
  return {
    kind: 'postgres',
    ...postgresQuotaRecords(store),
    consume: (items, now, signal) =>
      withRetry(() => consumePostgres(store, items, now, durable), signal),
    refund: (items, now, signal) =>
      withRetry(
        () =>
          store.transaction(async (client) => {
            const counters = items.filter((item) => item.quota.code !== ALGORITHM.concurrency);
            const found =
              counters.length > 0 ? await states(client, byKey(counters), true, true) : new Map();
            const save: Array<[string, string, number, number, number]> = [];
            for (const item of items) {
              if (item.quota.code === ALGORITHM.concurrency) {
                await client.query(SQL.release, [item.leaseId]);
                continue;
              }
              const state = found.get(pairKey(item.quota.name, item.subject));
              if (state === undefined) continue;
              const next = refundState(item, state, now);
              save.push([item.quota.name, item.subject, next.start, next.used, next.prev]);
            }
            if (save.length > 0) await client.query(SQL.save, columns(save, 5));
          }),
        signal,
      ),
    addHistory: (rows, signal) =>
      withRetry(
        () =>
          store.transaction(async (client) => {
            const sorted = sortRows(
              rows.map((r): [string, string, string, number, number, number] => [
                r.organization,
                r.day,
                r.quota,
                r.used,
                r.refused,
                r.overage,
              ]),
            );
            await client.query(SQL.history, columns(sorted, 6));
            const negative = sorted.filter((r) => r[3] < 0);
            if (negative.length > 0) await client.query(SQL.unhistory, columns(negative, 3));
          }),
        signal,
      ),
    peek: async (items, now) => {
      const found = await states(store.pool, items, false, false);
      const overrides = await limits(store.pool, items);
      const readings = [];
      for (const item of items) {
        const { quota, subject } = item;
        const limit = overrides.get(pairKey(item.organization, quota.name)) ?? quota.limit;
        const stored =
          quota.code === ALGORITHM.concurrency
            ? {
                start: 0,
                used: await leaseCount(store.pool, quota.name, subject, now, false),
                prev: 0,
              }
            : (found.get(pairKey(quota.name, subject)) ?? EMPTY_STATE);
        const state = roll(quota, stored, limit, now, item.windowStart);
        readings.push({ limit, state, before: state.used, fits: true });
      }
      return readings;
    },
  };
}

/** Rows to column arrays, the shape unnest() takes. */
function columns(rows: unknown[][], width: number): unknown[][] {
  return Array.from({ length: width }, (_, c) => rows.map((row) => row[c]));
}

/** History rows in key order, so concurrent steps lock them in the same order. */
function sortRows<T extends [string, string, string, ...number[]]>(rows: T[]): T[] {
  return rows.sort(
    (a, b) => byteOrder(a[0], b[0]) || byteOrder(a[1], b[1]) || byteOrder(a[2], b[2]),
  );
}
