import { Redis } from 'ioredis';
import { probe } from './health.js';
import type { RedisStore } from './types.js';
import { redact } from './url.js';

export interface RedisOptions {
  prefix?: string;
}

/**
 * Opens a Redis store for hot counters. Commands fail fast (one retry) while the server is
 * down instead of queueing without bound; the client keeps reconnecting in the background.
 */
export function openRedis(connectionString: string, options: RedisOptions = {}): RedisStore {
  const prefix = options.prefix ?? 'bw:';
  const redis = new Redis(connectionString, {
    keyPrefix: prefix,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  });
  // Connection errors surface through commands and health(); without a listener ioredis logs them.
  redis.on('error', () => {});
  let closed = false;

  return {
    kind: 'redis',
    url: `${redact(connectionString)}${connectionString.includes('?') ? '&' : '?'}prefix=${prefix}`,
    redis,
    prefix,
    health: (opts) =>
      probe(async () => {
        if (redis.status === 'wait') await redis.connect();
        await redis.ping();
      }, opts),
    close: async () => {
      if (closed) return;
      closed = true;
      if (redis.status === 'wait' || redis.status === 'end') {
        redis.disconnect();
        return;
      }
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
