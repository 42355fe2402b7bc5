import type BetterSqlite3 from 'better-sqlite3';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { SqliteStore } from '../store/types.js';
import { type Scope, scopeId } from './fingerprint.js';
import { holder, isPromiseLike, type KeyRow, LeaseLost, toRecord } from './record.js';
import type { StoredResponse, TransactionalIdempotencyStore } from './store.js';

type Db = BetterSqlite3.Database;

const T = 'breakwater_idempotency_keys';
const SQL = {
  select: `SELECT state, fingerprint, expires_at, status, headers, body FROM ${T} WHERE scope_id = ?`,
  upsert: `INSERT INTO ${T} (scope_id, tenant, method, route, idempotency_key, fingerprint, state,
      token, expires_at, created_at) VALUES (@id, @tenant, @method, @route, @key, @fingerprint,
      'in_flight', @token, @expiresAt, @now)
    ON CONFLICT (scope_id) DO UPDATE SET fingerprint = excluded.fingerprint, state = 'in_flight',
      token = excluded.token, expires_at = excluded.expires_at, created_at = excluded.created_at,
      status = NULL, headers = NULL, body = NULL`,
  complete: `UPDATE ${T} SET state = 'completed', status = @status, headers = @headers,
      body = @body, expires_at = @expiresAt
    WHERE scope_id = @id AND token = @token AND state = 'in_flight'`,
  release: `DELETE FROM ${T} WHERE scope_id = ? AND token = ? AND state = 'in_flight'`,
  sweep: `DELETE FROM ${T} WHERE rowid IN (SELECT rowid FROM ${T} WHERE expires_at <= ? LIMIT ?)`,
};

/**
 * Idempotency keys in the SQLite store's file. Each claim is one BEGIN IMMEDIATE
 * transaction, so processes sharing the file see one winner. Transactional work runs
 * synchronously on the store's connection (better-sqlite3 cannot hold a transaction across
 * an await without taking in other requests' writes).
 */
export function sqliteIdempotencyStore(store: SqliteStore): TransactionalIdempotencyStore<Db> {
  const db = store.db;
  let prepared: Record<keyof typeof SQL, BetterSqlite3.Statement> | undefined;
  // Prepared on first use, so the store can be built before the table is migrated.
  const stmt = () => {
    prepared ??= Object.fromEntries(
      Object.entries(SQL).map(([name, sql]) => [name, db.prepare(sql)]),
    ) as Record<keyof typeof SQL, BetterSqlite3.Statement>;
    return prepared;
  };

  const claimTx = db.transaction(
    (scope: Scope, fingerprint: string, token: string, leaseMs: number, now: number) => {
      const id = scopeId(scope);
      const record = toRecord(stmt().select.get(id) as KeyRow | undefined);
      const held = holder(record, now);
      if (held) return held;
      stmt().upsert.run({ ...scope, id, fingerprint, token, expiresAt: now + leaseMs, now });
      return { kind: 'claimed' as const, recovered: record?.state === 'in_flight' };
    },
  );

  const completeRow = (
    scope: Scope,
    token: string,
    response: StoredResponse,
    expiresAt: number,
  ): boolean =>
    stmt().complete.run({
      id: scopeId(scope),
      token,
      status: response.status,
      headers: JSON.stringify(response.headers),
      body: response.body,
      expiresAt,
    }).changes === 1;

  return {
    kind: 'sqlite',
    claim: async (scope, fingerprint, token, leaseMs, now) =>
      claimTx.immediate(scope, fingerprint, token, leaseMs, now),
    complete: async (scope, token, response, ttlMs, now) =>
      completeRow(scope, token, response, now + ttlMs),
    release: async (scope, token) => stmt().release.run(scopeId(scope), token).changes === 1,
    sweep: async (now, limit) => stmt().sweep.run(now, limit).changes,
    completeWithin: async (scope, token, ttlMs, now, work) => {
      const run = db.transaction(() => {
        const response = synchronous(work(db));
        if (!completeRow(scope, token, response, now() + ttlMs)) throw new LeaseLost();
        return response;
      });
      try {
        return run.immediate();
      } catch (error) {
        if (error instanceof LeaseLost) return undefined;
        throw error;
      }
    },
    transaction: async (work) => store.transaction((tx) => synchronous(work(tx))),
  };
}

function synchronous<T>(value: T | PromiseLike<T>): T {
  if (isPromiseLike(value)) {
    throw new BreakwaterError(
      errors.CONFIG_INVALID,
      'SQLite transactional work must be synchronous (better-sqlite3); it returned a promise',
    );
  }
  return value;
}
