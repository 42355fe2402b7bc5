import type BetterSqlite3 from 'better-sqlite3';
import type { Redis } from 'ioredis';
import type { Pool, PoolClient } from 'pg';

export type StoreKind = 'sqlite' | 'postgres' | 'redis';

export interface StoreHealth {
  ok: boolean;
  /** Round-trip time of the probe in milliseconds. */
  latencyMs: number;
  /** One-line reason when not ok. */
  error?: string;
}

interface StoreBase {
  readonly kind: StoreKind;
  /** The URL it was opened with, password redacted. */
  readonly url: string;
  /** Probes the backend; never throws, never waits longer than `timeoutMs`. */
  health(options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<StoreHealth>;
  /** Closes connections; idempotent. */
  close(): Promise<void>;
}

export interface SqliteStore extends StoreBase {
  readonly kind: 'sqlite';
  /** Absolute file path, or `:memory:`. */
  readonly path: string;
  readonly db: BetterSqlite3.Database;
  /** Runs `fn` in a write transaction taken up front (BEGIN IMMEDIATE), safe across processes. */
  transaction<T>(fn: (db: BetterSqlite3.Database) => T): T;
}

export interface PostgresStore extends StoreBase {
  readonly kind: 'postgres';
  readonly pool: Pool;
  /** The libpq connection string (with credentials, never log it; use `url`). */
  readonly connectionString: string;
  /** The schema set as search_path on every connection, when the URL named one. */
  readonly schema: string | undefined;
  /** Runs `fn` in a transaction on one pooled client; commits, or rolls back on throw. */
  transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T>;
}

export interface RedisStore extends StoreBase {
  readonly kind: 'redis';
  readonly redis: Redis;
  /** Prefix applied to every key. */
  readonly prefix: string;
}

export type Store = SqliteStore | PostgresStore | RedisStore;
export type SqlStore = SqliteStore | PostgresStore;
