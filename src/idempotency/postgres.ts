import type { PoolClient } from 'pg';
import type { PostgresStore } from '../store/types.js';
import { type Scope, scopeId } from './fingerprint.js';
import { holder, type KeyRow, toRecord } from './record.js';
import type { StoredResponse, TransactionalIdempotencyStore } from './store.js';

/** The part of pg's Pool and PoolClient this store uses. */
interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

const T = 'breakwater_idempotency_keys';
const SQL = {
  // One statement: insert, or take over a record whose lease or TTL ran out. Under READ
  // COMMITTED the conflicting row is locked and the WHERE re-checked on its latest version.
  claim: `WITH prior AS (SELECT state FROM ${T} WHERE scope_id = $1)
    INSERT INTO ${T} AS k (scope_id, tenant, method, route, idempotency_key, fingerprint, state,
      token, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'in_flight', $7, $8, $9)
    ON CONFLICT (scope_id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, state = 'in_flight',
      token = EXCLUDED.token, expires_at = EXCLUDED.expires_at, created_at = EXCLUDED.created_at,
      status = NULL, headers = NULL, body = NULL
    WHERE k.expires_at <= $9
    RETURNING (SELECT state FROM prior) AS prior_state`,
  select: `SELECT state, fingerprint, expires_at, status, headers, body FROM ${T} WHERE scope_id = $1`,
  complete: `UPDATE ${T} SET state = 'completed', status = $3, headers = $4, body = $5,
      expires_at = $6 WHERE scope_id = $1 AND token = $2 AND state = 'in_flight'`,
  release: `DELETE FROM ${T} WHERE scope_id = $1 AND token = $2 AND state = 'in_flight'`,
  sweep: `DELETE FROM ${T} WHERE scope_id IN (
      SELECT scope_id FROM ${T} WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
};

/** A claim that loses every race this many times in a row reports the key as in flight. */
const CLAIM_ATTEMPTS = 5;

/**
 * Idempotency keys in PostgreSQL (the store's schema via search_path). A claim is one
 * upsert; transactional work runs on one pooled client between BEGIN and COMMIT.
 */
export function postgresIdempotencyStore(
  store: PostgresStore,
): TransactionalIdempotencyStore<PoolClient> {
  const pool = store.pool as unknown as Queryable;

  const completeRow = async (
    client: Queryable,
    scope: Scope,
    token: string,
    response: StoredResponse,
    expiresAt: number,
  ): Promise<boolean> => {
    const result = await client.query(SQL.complete, [
      scopeId(scope),
      token,
      response.status,
      JSON.stringify(response.headers),
      response.body,
      expiresAt,
    ]);
    return result.rowCount === 1;
  };

  return {
    kind: 'postgres',
    claim: async (scope, fingerprint, token, leaseMs, now) => {
      const id = scopeId(scope);
      const values = [id, scope.tenant, scope.method, scope.route, scope.key, fingerprint, token];
      for (let attempt = 1; ; attempt++) {
        const claimed = await pool.query(SQL.claim, [...values, now + leaseMs, now]);
        const row = claimed.rows[0] as { prior_state: string | null } | undefined;
        if (row) return { kind: 'claimed', recovered: row.prior_state === 'in_flight' };
        const existing = await pool.query(SQL.select, [id]);
        const held = holder(toRecord(existing.rows[0] as KeyRow | undefined), now);
        // Free again (released or expired between the two statements): claim once more.
        if (held) return held;
        if (attempt >= CLAIM_ATTEMPTS)
          return { kind: 'in-flight', fingerprint, leaseExpiresAt: now };
      }
    },
    complete: (scope, token, response, ttlMs, now) =>
      completeRow(pool, scope, token, response, now + ttlMs),
    release: async (scope, token) =>
      (await pool.query(SQL.release, [scopeId(scope), token])).rowCount === 1,
    sweep: async (now, limit) => (await pool.query(SQL.sweep, [now, limit])).rowCount ?? 0,
    completeWithin: async (scope, token, ttlMs, now, work) => {
      const client = await store.pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const response = await work(client);
        if (!(await completeRow(client, scope, token, response, now() + ttlMs))) {
          await client.query('ROLLBACK');
          return undefined;
        }
        await client.query('COMMIT');
        return response;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
    transaction: (work) => store.transaction(async (client) => work(client)),
  };
}
