import type { PoolClient, QueryResult } from 'pg';
import type { PostgresStore } from '../store/types.js';
import { type CounterState, EMPTY_STATE } from './algorithm.js';
import { decide, loaded } from './decide.js';
import { ALGORITHM } from './definition.js';
import type { ConsumeOutcome, ItemOutcome, QuotaItem } from './store.js';

/**
 * One consume step in two round trips, so a hot key stays locked for one round trip:
 *
 * 1. `BEGIN; SET LOCAL synchronous_commit; INSERT missing counter rows; SELECT ... FOR
 *    UPDATE` the rows in byte order (two steps never deadlock); read the overrides of items
 *    whose limit the caller does not know; count the live leases of concurrency items;
 * 2. decide in JavaScript (decide.ts), then `UPDATE counters; INSERT leases; COMMIT`. The
 *    daily history is written apart, in batches (addHistory).
 *
 * Both are multi-statement simple queries (no bind parameters), so every value is inlined:
 * strings through the driver's escapeLiteral, numbers checked finite.
 */

export const byteOrder = (a: string, b: string): number =>
  Buffer.compare(Buffer.from(a), Buffer.from(b));
export const pairKey = (a: string, b: string): string => `${a}\u0000${b}`;

/** Items in the one order every step locks their rows in (bytes of quota, then subject). */
export function byKey<T extends { quota: { name: string }; subject: string }>(
  items: readonly T[],
): T[] {
  return [...items].sort(
    (a, b) => byteOrder(a.quota.name, b.quota.name) || byteOrder(a.subject, b.subject),
  );
}

function num(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) throw new TypeError(`not a number: ${value}`);
  return String(value);
}

interface Sql {
  text(value: string): string;
  texts(values: string[]): string;
}

function sqlOf(client: PoolClient): Sql {
  const text = (value: string) => client.escapeLiteral(value);
  return { text, texts: (values) => `ARRAY[${values.map(text).join(', ')}]::text[]` };
}

/** Statement indexes in the results of the first round trip. */
const LOCKED = 3;
const LIMITS = 4;

function lockStatements(
  sql: Sql,
  items: QuotaItem[],
  sorted: QuotaItem[],
  now: number,
  durable: boolean,
) {
  const quotas = sql.texts(sorted.map((i) => i.quota.name));
  const subjects = sql.texts(sorted.map((i) => i.subject));
  const statements = [
    'BEGIN',
    durable ? 'SET LOCAL synchronous_commit TO ON' : 'SET LOCAL synchronous_commit TO OFF',
    `INSERT INTO breakwater_quota_counters (quota, subject) SELECT * FROM unnest(${quotas}, ${subjects}) ON CONFLICT DO NOTHING`,
    `SELECT quota, subject, window_start, used, prev FROM breakwater_quota_counters
     WHERE (quota, subject) IN (SELECT * FROM unnest(${quotas}, ${subjects}))
     ORDER BY quota COLLATE "C", subject COLLATE "C" FOR UPDATE`,
  ];
  const unknown = items.filter((i) => i.limit === undefined);
  if (unknown.length > 0) {
    statements.push(`SELECT organization, quota, quota_limit FROM breakwater_quota_overrides
     WHERE (organization, quota) IN (SELECT * FROM unnest(${sql.texts(unknown.map((i) => i.organization))}, ${sql.texts(unknown.map((i) => i.quota.name))}))`);
  }
  for (const item of items.filter((i) => i.quota.code === ALGORITHM.concurrency)) {
    const where = `quota = ${sql.text(item.quota.name)} AND subject = ${sql.text(item.subject)}`;
    statements.push(
      `DELETE FROM breakwater_quota_leases WHERE ${where} AND expires_at <= ${num(now)}`,
      `SELECT count(*)::int AS n FROM breakwater_quota_leases WHERE ${where}`,
    );
  }
  return { text: statements.join(';\n'), readsLimits: unknown.length > 0 };
}

function writeStatements(sql: Sql, items: QuotaItem[], found: ItemOutcome[], admitted: boolean) {
  const statements: string[] = [];
  const saves: string[] = [];
  if (admitted) {
    items.forEach((item, i) => {
      const { quota, subject } = item;
      if (quota.code === ALGORITHM.concurrency) {
        statements.push(
          `INSERT INTO breakwater_quota_leases (lease_id, quota, subject, expires_at) VALUES (${sql.text(item.leaseId ?? '')}, ${sql.text(quota.name)}, ${sql.text(subject)}, ${num(item.leaseExpiresAt)})`,
        );
      } else {
        const s = (found[i] as ItemOutcome).state;
        saves.push(
          `(${sql.text(quota.name)}, ${sql.text(subject)}, ${num(s.start)}::bigint, ${num(s.used)}::float8, ${num(s.prev)}::float8)`,
        );
      }
    });
  }
  if (saves.length > 0) {
    statements.unshift(
      `UPDATE breakwater_quota_counters AS c SET window_start = v.s, used = v.u, prev = v.p
       FROM (VALUES ${saves.join(', ')}) AS v(q, sub, s, u, p) WHERE c.quota = v.q AND c.subject = v.sub`,
    );
  }
  statements.push('COMMIT');
  return statements.join(';\n');
}

function rowsOf(results: QueryResult[], index: number): unknown[] {
  const result = results[index];
  if (result === undefined) throw new Error(`quota step: no result ${index}`);
  return result.rows;
}

/** Runs one consume step on a pooled client; rolls back (and rethrows) on any failure. */
export async function consumePostgres(
  store: PostgresStore,
  items: QuotaItem[],
  now: number,
  durable: boolean,
): Promise<ConsumeOutcome> {
  const client = await store.pool.connect();
  const sql = sqlOf(client);
  try {
    const sorted = byKey(items);
    const lock = lockStatements(sql, items, sorted, now, durable);
    const results = (await client.query(lock.text)) as unknown as QueryResult[];
    const found = new Map<string, CounterState>(
      (
        rowsOf(results, LOCKED) as Array<{
          quota: string;
          subject: string;
          window_start: string;
          used: number;
          prev: number;
        }>
      ).map((r) => [
        pairKey(r.quota, r.subject),
        { start: Number(r.window_start), used: r.used, prev: r.prev },
      ]),
    );
    const overrides = new Map(
      (lock.readsLimits
        ? (rowsOf(results, LIMITS) as Array<{
            organization: string;
            quota: string;
            quota_limit: number;
          }>)
        : []
      ).map((r) => [pairKey(r.organization, r.quota), r.quota_limit]),
    );
    let next = lock.readsLimits ? LIMITS + 1 : LIMITS;
    const outcomes = items.map((item) => {
      const { quota, subject } = item;
      let state = found.get(pairKey(quota.name, subject)) ?? EMPTY_STATE;
      if (quota.code === ALGORITHM.concurrency) {
        state = { start: 0, used: (rowsOf(results, next + 1)[0] as { n: number }).n, prev: 0 };
        next += 2;
      }
      const limit =
        item.limit ?? overrides.get(pairKey(item.organization, quota.name)) ?? quota.limit;
      return loaded(state, limit);
    });
    const admitted = decide(items, outcomes, now);
    await client.query(writeStatements(sql, items, outcomes, admitted));
    client.release();
    return { admitted, items: outcomes };
  } catch (error) {
    try {
      await client.query('ROLLBACK');
      client.release();
    } catch {
      client.release(true);
    }
    throw error;
  }
}
