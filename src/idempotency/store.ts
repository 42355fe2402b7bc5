import type { Scope } from './fingerprint.js';

/** A response kept for replay: status, the allow-listed headers and the exact body bytes. */
export interface StoredResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Buffer;
}

/** What a claim found. */
export type ClaimResult =
  /** The caller holds the lease; `recovered` when it took over an expired one. */
  | { kind: 'claimed'; recovered: boolean }
  /** Another request holds a live lease on the key. */
  | { kind: 'in-flight'; fingerprint: string; leaseExpiresAt: number }
  /** The key has a stored response. */
  | { kind: 'completed'; fingerprint: string; response: StoredResponse };

/**
 * The idempotency capability's store seam. Times are epoch milliseconds from the caller's
 * clock (passed in, never read from the database), so tests can move time. A claim token
 * fences the holder: complete and release do nothing unless the token still holds the key.
 */
export interface IdempotencyStore {
  readonly kind: 'sqlite' | 'postgres' | 'redis';
  /**
   * Atomically takes the key for `leaseMs` when it is free (absent, expired, or its lease
   * ran out), else reports what holds it.
   */
  claim(
    scope: Scope,
    fingerprint: string,
    token: string,
    leaseMs: number,
    now: number,
  ): Promise<ClaimResult>;
  /** Stores the response and marks the key completed until `now + ttlMs`; false when fenced out. */
  complete(
    scope: Scope,
    token: string,
    response: StoredResponse,
    ttlMs: number,
    now: number,
  ): Promise<boolean>;
  /** Frees the key so a retry runs again; false when fenced out. */
  release(scope: Scope, token: string): Promise<boolean>;
  /** Deletes at most `limit` expired records; returns how many (0 where keys expire by TTL). */
  sweep(now: number, limit: number): Promise<number>;
}

/** Work that runs inside the store's transaction and answers the response to store and send. */
export type TransactionWork<Tx> = (tx: Tx) => StoredResponse | Promise<StoredResponse>;

/**
 * A SQL store that can commit the business writes and the completed key together. `Tx` is
 * the better-sqlite3 Database (SQLite, synchronous work only) or a pg PoolClient.
 */
export interface TransactionalIdempotencyStore<Tx = unknown> extends IdempotencyStore {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Runs `work` in one transaction and, before COMMIT, completes the key fenced by `token`.
   * Resolves with the response, or undefined when the token no longer holds the key, in
   * which case everything rolled back. A throwing `work` rolls back and rethrows.
   */
  completeWithin(
    scope: Scope,
    token: string,
    ttlMs: number,
    now: () => number,
    work: TransactionWork<Tx>,
  ): Promise<StoredResponse | undefined>;
  /** Runs `work` in a plain transaction (no key to complete: the request had none). */
  transaction<T>(work: (tx: Tx) => T | Promise<T>): Promise<T>;
}

export function isTransactional(store: IdempotencyStore): store is TransactionalIdempotencyStore {
  return typeof (store as Partial<TransactionalIdempotencyStore>).completeWithin === 'function';
}

/** The SQL table the migrations create (migrations/<dialect>/0002_idempotency.sql). */
export const IDEMPOTENCY_TABLE = 'breakwater_idempotency_keys';
