import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteStore } from '../store/types.js';
import { type CounterState, EMPTY_STATE, roll } from './algorithm.js';
import { decide, loaded, refundState } from './decide.js';
import { ALGORITHM } from './definition.js';
import { withRetry } from './retry.js';
import { sqliteQuotaRecords } from './sqlite-records.js';
import type { ItemOutcome, QuotaItem, QuotaStore } from './store.js';

const SQL = {
  limit:
    'SELECT quota_limit AS l FROM breakwater_quota_overrides WHERE organization = ? AND quota = ?',
  state:
    'SELECT window_start AS start, used, prev FROM breakwater_quota_counters WHERE quota = ? AND subject = ?',
  save: `INSERT INTO breakwater_quota_counters (quota, subject, window_start, used, prev)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (quota, subject)
         DO UPDATE SET window_start = excluded.window_start, used = excluded.used, prev = excluded.prev`,
  expire: 'DELETE FROM breakwater_quota_leases WHERE quota = ? AND subject = ? AND expires_at <= ?',
  leases:
    'SELECT count(*) AS n FROM breakwater_quota_leases WHERE quota = ? AND subject = ? AND expires_at > ?',
  lease:
    'INSERT INTO breakwater_quota_leases (lease_id, quota, subject, expires_at) VALUES (?, ?, ?, ?)',
  release: 'DELETE FROM breakwater_quota_leases WHERE lease_id = ?',
  history: `INSERT INTO breakwater_quota_usage_daily (organization, day, quota, used, refused, overage)
            VALUES (?, ?, ?, max(0, ?), ?, ?) ON CONFLICT (organization, day, quota)
            DO UPDATE SET used = max(0, used + ?), refused = refused + excluded.refused,
              overage = overage + excluded.overage`,
} as const;

/** Prepares each statement once, on first use (the tables exist only after migrating). */
export function statements(db: BetterSqlite3.Database) {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return (sql: string): BetterSqlite3.Statement => {
    let statement = cache.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
}

/**
 * Quotas in SQLite: each step one BEGIN IMMEDIATE transaction, so every process sharing
 * the file sees one order of steps. Needs `migrateBreakwater(store)` (0003_quota.sql).
 */
export function sqliteQuotaStore(store: SqliteStore): QuotaStore {
  const sql = statements(store.db);
  const limitOf = (organization: string, quota: { name: string; limit: number }) =>
    (sql(SQL.limit).get(organization, quota.name) as { l: number } | undefined)?.l ?? quota.limit;

  function read(item: { quota: QuotaItem['quota']; subject: string }, now: number): CounterState {
    const { quota, subject } = item;
    if (quota.code === ALGORITHM.concurrency) {
      sql(SQL.expire).run(quota.name, subject, now);
      const { n } = sql(SQL.leases).get(quota.name, subject, now) as { n: number };
      return { start: 0, used: n, prev: 0 };
    }
    return (sql(SQL.state).get(quota.name, subject) as CounterState | undefined) ?? EMPTY_STATE;
  }

  return {
    kind: 'sqlite',
    ...sqliteQuotaRecords(store, sql),
    consume: (items, now, signal) =>
      withRetry(
        () =>
          store.transaction(() => {
            const found = items.map((item) =>
              loaded(read(item, now), item.limit ?? limitOf(item.organization, item.quota)),
            );
            const admitted = decide(items, found, now);
            if (admitted) {
              items.forEach((item, i) => {
                const { quota, subject } = item;
                if (quota.code === ALGORITHM.concurrency) {
                  sql(SQL.lease).run(item.leaseId, quota.name, subject, item.leaseExpiresAt);
                } else {
                  const { start, used, prev } = (found[i] as ItemOutcome).state;
                  sql(SQL.save).run(quota.name, subject, start, used, prev);
                }
              });
            }
            return { admitted, items: found };
          }),
        signal,
      ),
    refund: (items, now, signal) =>
      withRetry(
        () =>
          store.transaction(() => {
            for (const item of items) {
              if (item.quota.code === ALGORITHM.concurrency) sql(SQL.release).run(item.leaseId);
              else {
                const state = sql(SQL.state).get(item.quota.name, item.subject) as
                  | CounterState
                  | undefined;
                if (state !== undefined) {
                  const next = refundState(item, state, now);
                  sql(SQL.save).run(
                    item.quota.name,
                    item.subject,
                    next.start,
                    next.used,
                    next.prev,
                  );
                }
              }
            }
          }),
        signal,
      ),
    addHistory: (rows, signal) =>
      withRetry(
        () =>
          store.transaction(() => {
            const upsert = sql(SQL.history);
            for (const r of rows) {
              upsert.run(r.organization, r.day, r.quota, r.used, r.refused, r.overage, r.used);
            }
          }),
        signal,
      ),
    peek: async (items, now) =>
      items.map((item) => {
        const limit = limitOf(item.organization, item.quota);
        const state = roll(item.quota, read(item, now), limit, now, item.windowStart);
        return { limit, state, before: state.used, fits: true };
      }),
  };
}
