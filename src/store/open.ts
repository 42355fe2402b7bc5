import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { openPostgres } from './postgres.js';
import { openRedis } from './redis.js';
import { openSqlite } from './sqlite.js';
import type { RedisStore, Store } from './types.js';
import { DEFAULT_SQLITE_PATH, parseStoreUrl } from './url.js';

export interface OpenStoreOptions {
  /** Resolves relative SQLite paths; default process.cwd(). */
  cwd?: string;
  /** PostgreSQL pool size. */
  poolSize?: number;
}

/** The store URL from the environment (`BREAKWATER_STORE`), else the embedded default. */
export function storeUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.BREAKWATER_STORE?.trim();
  return url ? url : `sqlite:${DEFAULT_SQLITE_PATH}`;
}

/** The Redis URL for hot counters from `BREAKWATER_REDIS`, when set. */
export function redisUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = env.BREAKWATER_REDIS?.trim();
  return url ? url : undefined;
}

/**
 * Opens the store a URL names: `sqlite:<path>` (default `.breakwater/state.db`),
 * `postgres://...[?schema=name]` or `redis://...[?prefix=bw:]`. A bad URL throws
 * BW_STORE_URL_INVALID naming what is wrong; connections are made lazily.
 */
export function openStore(url: string = storeUrlFromEnv(), options: OpenStoreOptions = {}): Store {
  const location = parseStoreUrl(url, options.cwd);
  switch (location.kind) {
    case 'sqlite':
      return openSqlite(location.path);
    case 'postgres':
      return openPostgres(location.connectionString, {
        schema: location.schema,
        ...(options.poolSize ? { max: options.poolSize } : {}),
      });
    case 'redis':
      return openRedis(location.connectionString, { prefix: location.prefix });
  }
}

/** Opens the hot-counter Redis named by `BREAKWATER_REDIS`, or returns undefined. */
export function openRedisFromEnv(env: NodeJS.ProcessEnv = process.env): RedisStore | undefined {
  const url = redisUrlFromEnv(env);
  if (url === undefined) return undefined;
  const store = openStore(url);
  if (store.kind === 'redis') return store;
  void store.close();
  throw new BreakwaterError(errors.STORE_URL_INVALID, 'BREAKWATER_REDIS must be a redis:// URL');
}
