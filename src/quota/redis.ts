import type { RedisStore } from '../store/types.js';
import { type CounterState, roll } from './algorithm.js';
import { ALGORITHM } from './definition.js';
import { redisQuotaRecords } from './redis-records.js';
import { CONSUME_LUA, REFUND_LUA, redisKeys } from './redis-scripts.js';
import { type QuotaItem, type QuotaStore, stateTtlMs } from './store.js';

/** The commands this store defines on the shared ioredis client. */
interface ScriptedRedis {
  bwQuotaConsume(numKeys: number, ...args: Array<string | number>): Promise<Array<string | number>>;
  bwQuotaRefund(numKeys: number, ...args: Array<string | number>): Promise<number>;
}

/**
 * Quotas in Redis: each consume is one Lua script over every key the request touches, so
 * all quotas are checked and consumed in one atomic step. Keys expire after their window.
 * (Redis Cluster: the keys of one request would have to share a slot; not supported.)
 */
export function redisQuotaStore(store: RedisStore): QuotaStore {
  const redis = store.redis;
  redis.defineCommand('bwQuotaConsume', { lua: CONSUME_LUA });
  redis.defineCommand('bwQuotaRefund', { lua: REFUND_LUA });
  const scripted = redis as unknown as ScriptedRedis;
  const ready = async () => {
    if (redis.status === 'wait') await redis.connect().catch(() => {});
  };

  function consumeArgs(item: QuotaItem, now: number): Array<string | number> {
    const q = item.quota;
    return [
      q.code,
      q.name,
      q.limit,
      item.weight,
      item.mode === 'set' ? 's' : 'a',
      q.enforcement === 'hard' ? 1 : 0,
      item.windowStart,
      q.windowMs,
      q.burst ?? 0,
      item.leaseId ?? '',
      item.leaseExpiresAt ?? 0,
      stateTtlMs(item, now, q.limit),
    ];
  }

  return {
    kind: 'redis',
    ...redisQuotaRecords(store),
    consume: async (items, now) => {
      await ready();
      const keys: string[] = [];
      const args: Array<string | number> = [now, items.length];
      for (const item of items) {
        keys.push(
          redisKeys.state(item.quota, item.subject),
          redisKeys.overrides(item.organization),
          redisKeys.history(item.organization, item.day),
        );
        args.push(...consumeArgs(item, now));
      }
      const reply = await scripted.bwQuotaConsume(keys.length, ...keys, ...args);
      const num = (i: number) => Number(reply[i]);
      return {
        admitted: num(0) === 1,
        items: items.map((_, i) => {
          const at = 1 + i * 6;
          return {
            limit: num(at),
            state: { start: num(at + 1), used: num(at + 2), prev: num(at + 3) },
            before: num(at + 4),
            fits: reply[at + 5] === '1',
          };
        }),
      };
    },
    refund: async (items, now) => {
      await ready();
      const keys: string[] = [];
      const args: Array<string | number> = [now, items.length];
      for (const item of items) {
        keys.push(
          redisKeys.state(item.quota, item.subject),
          redisKeys.history(item.organization, item.day),
        );
        args.push(
          item.quota.code,
          item.quota.name,
          item.weight,
          item.start,
          item.quota.windowMs,
          item.limit,
          item.leaseId ?? '',
        );
      }
      await scripted.bwQuotaRefund(keys.length, ...keys, ...args);
    },
    peek: async (items, now) => {
      await ready();
      const pipeline = redis.pipeline();
      for (const item of items) {
        const key = redisKeys.state(item.quota, item.subject);
        if (item.quota.code === ALGORITHM.concurrency) pipeline.zcount(key, `(${now}`, '+inf');
        else pipeline.hmget(key, 's', 'u', 'p');
        pipeline.hget(redisKeys.overrides(item.organization), item.quota.name);
      }
      const replies = (await pipeline.exec()) ?? [];
      return items.map((item, i) => {
        const [stateError, stored] = replies[2 * i] ?? [];
        const [limitError, override] = replies[2 * i + 1] ?? [];
        if (stateError) throw stateError;
        if (limitError) throw limitError;
        const limit = override == null ? item.quota.limit : Number(override);
        let state: CounterState;
        if (item.quota.code === ALGORITHM.concurrency)
          state = { start: 0, used: Number(stored), prev: 0 };
        else {
          const [s, u, p] = stored as Array<string | null>;
          state = { start: Number(s ?? 0), used: Number(u ?? 0), prev: Number(p ?? 0) };
        }
        state = roll(item.quota, state, limit, now, item.windowStart);
        return { limit, state, before: state.used, fits: true };
      });
    },
  };
}
