import type { RedisStore } from '../store/types.js';
import { scopeId } from './fingerprint.js';
import { CLAIM_LUA, COMPLETE_LUA, RELEASE_LUA } from './redis-scripts.js';
import type { ClaimResult, IdempotencyStore } from './store.js';

/** The commands this store defines on the shared ioredis client (Buffer replies for claim). */
interface ScriptedRedis {
  bwIdempotencyClaimBuffer(key: string, ...args: Array<string | number>): Promise<Buffer[]>;
  bwIdempotencyComplete(key: string, ...args: Array<string | number | Buffer>): Promise<number>;
  bwIdempotencyRelease(key: string, token: string): Promise<number>;
}

const recordKey = (id: string): string => `idempotency:${id}`;

/**
 * Idempotency keys in Redis under the store's prefix, one hash per scope, each step a Lua
 * script. Records expire by key TTL, so `sweep` has nothing to do. Not transactional with
 * the app's database: use the SQL stores for that.
 */
export function redisIdempotencyStore(store: RedisStore): IdempotencyStore {
  const redis = store.redis;
  redis.defineCommand('bwIdempotencyClaim', { numberOfKeys: 1, lua: CLAIM_LUA });
  redis.defineCommand('bwIdempotencyComplete', { numberOfKeys: 1, lua: COMPLETE_LUA });
  redis.defineCommand('bwIdempotencyRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
  const scripted = redis as unknown as ScriptedRedis;

  return {
    kind: 'redis',
    claim: async (scope, fingerprint, token, leaseMs, now): Promise<ClaimResult> => {
      const reply = await scripted.bwIdempotencyClaimBuffer(
        recordKey(scopeId(scope)),
        fingerprint,
        token,
        now,
        now + leaseMs,
        leaseMs,
      );
      const [kind, a, b, status, headers, body] = reply.map((part) => part ?? Buffer.alloc(0));
      const text = (part: Buffer | undefined) => part?.toString('utf8') ?? '';
      switch (text(kind)) {
        case 'claimed':
          return { kind: 'claimed', recovered: text(a) === '1' };
        case 'completed':
          return {
            kind: 'completed',
            fingerprint: text(a),
            response: {
              status: Number(text(status)),
              headers: JSON.parse(text(headers) || '{}') as Record<string, string>,
              body: Buffer.from(body ?? Buffer.alloc(0)),
            },
          };
        default:
          return { kind: 'in-flight', fingerprint: text(a), leaseExpiresAt: Number(text(b)) };
      }
    },
    complete: async (scope, token, response, ttlMs, now) => {
      const done = await scripted.bwIdempotencyComplete(
        recordKey(scopeId(scope)),
        token,
        response.status,
        JSON.stringify(response.headers),
        response.body,
        now + ttlMs,
        ttlMs,
      );
      return done === 1;
    },
    release: async (scope, token) => {
      return (await scripted.bwIdempotencyRelease(recordKey(scopeId(scope)), token)) === 1;
    },
    sweep: async () => 0,
  };
}
