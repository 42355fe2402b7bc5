import type { PoolClient, QueryResult } from 'pg';
import type { PostgresStore } from '../store/types.js';
import { type CounterState, EMPTY_STATE } from './algorithm.js';
import { decide, historyOf, type LoadedItem } from './decide.js';
import { ALGORITHM } from './definition.js';
import type { ConsumeOutcome, QuotaItem } from './store.js';

/**
 * One consume step in two round trips, so a hot key stays locked for one round trip:
 *
 * 1. `BEGIN; SET LOCAL synchronous_commit; INSERT missing counter rows; read overrides;
 *    SELECT ... FOR UPDATE` the rows in byte order (two steps never deadlock); count the
 *    live leases of concurrency items;
 * 2. decide in JavaScript (decide.ts), then `UPDATE counters; INSERT leases; upsert the daily
 *    history; COMMIT`.
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
    `SELECT organization, quota, quota_limit FROM breakwater_quota_overrides
     WHERE (organization, quota) IN (SELECT * FROM unnest(${sql.texts(items.map((i) => i.organization))}, ${sql.texts(items.map((i) => i.quota.name))}))`,
    `SELECT quota, subject, window_start, used, prev FROM breakwater_quota_counters
     WHERE (quota, subject) IN (SELECT * FROM unnest(${quotas}, ${subjects}))
     ORDER BY quota COLLATE "C", subject COLLATE "C" FOR UPDATE`,
  ];
  for (const item of items.filter((i) => i.quota.code === ALGORITHM.concurrency)) {
    const where = `quota = ${sql.text(item.quota.name)} AND subject = ${sql.text(item.subject)}`;
    statements.push(
      `DELETE FROM breakwater_quota_leases WHERE ${where} AND expires_at <= ${num(now)}`,
      `SELECT count(*)::int AS n FROM breakwater_quota_leases WHERE ${where}`,
    );
  }
  return statements.join(';\n');
}

function writeStatements(sql: Sql, items: QuotaItem[], outcome: ConsumeOutcome, now: number) {
  const statements: string[] = [];
  const saves: string[] = [];
  const history: Array<{ key: string; values: string }> = [];
  items.forEach((item, i) => {
    const result = outcome.items[i];
    if (result === undefined) return;
    const { quota, subject } = item;
    if (outcome.admitted && quota.code === ALGORITHM.concurrency) {
      statements.push(
        `INSERT INTO breakwater_quota_leases (lease_id, quota, subject, expires_at) VALUES (${sql.text(item.leaseId ?? '')}, ${sql.text(quota.name)}, ${sql.text(subject)}, ${num(item.leaseExpiresAt)})`,
      );
    } else if (outcome.admitted) {
      const s = result.state;
      saves.push(
        `(${sql.text(quota.name)}, ${sql.text(subject)}, ${num(s.start)}::bigint, ${num(s.used)}::float8, ${num(s.prev)}::float8)`,
      );
    }
    const delta = historyOf(item, result, outcome.admitted, now);
    if (delta !== undefined) {
      history.push({
        key: pairKey(pairKey(item.organization, item.day), quota.name),
        values: `(${sql.text(item.organization)}, ${sql.text(item.day)}, ${sql.text(quota.name)}, ${num(delta.used)}::float8, ${num(delta.refused)}::float8, ${num(delta.overage)}::float8)`,
      });
    }
  });
  if (saves.length > 0) {
    statements.unshift(
      `UPDATE breakwater_quota_counters AS c SET window_start = v.s, used = v.u, prev = v.p
       FROM (VALUES ${saves.join(', ')}) AS v(q, sub, s, u, p) WHERE c.quota = v.q AND c.subject = v.sub`,
    );
  }
  if (history.length > 0) {
    history.sort((a, b) => byteOrder(a.key, b.key));
    statements.push(
      `INSERT INTO breakwater_quota_usage_daily AS h (organization, day, quota, used, refused, overage)
       VALUES ${history.map((h) => h.values).join(', ')}
       ON CONFLICT (organization, day, quota) DO UPDATE SET used = h.used + EXCLUDED.used,
         refused = h.refused + EXCLUDED.refused, overage = h.overage + EXCLUDED.overage`,
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
    const results = (await client.query(
      lockStatements(sql, items, sorted, now, durable),
    )) as unknown as QueryResult[];
    const overrides = new Map(
      (
        rowsOf(results, 3) as Array<{ organization: string; quota: string; quota_limit: number }>
      ).map((r) => [pairKey(r.organization, r.quota), r.quota_limit]),
    );
    const found = new Map<string, CounterState>(
      (
        rowsOf(results, 4) as Array<{
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
    let next = 5;
    const loaded: LoadedItem[] = items.map((item) => {
      const { quota, subject } = item;
      let state = found.get(pairKey(quota.name, subject)) ?? EMPTY_STATE;
      if (quota.code === ALGORITHM.concurrency) {
        state = { start: 0, used: (rowsOf(results, next + 1)[0] as { n: number }).n, prev: 0 };
        next += 2;
      }
      return {
        item,
        state,
        limit: overrides.get(pairKey(item.organization, quota.name)) ?? quota.limit,
      };
    });
    const outcome = decide(loaded, now);
    await client.query(writeStatements(sql, items, outcome, now));
    client.release();
    return outcome;
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
