import type { RedisStore } from '../store/types.js';
import { type DailyUsage, decided, type IncreaseRequest, pendingRequest } from './records.js';
import { DECIDE_LUA, redisKeys } from './redis-scripts.js';
import { DEFAULT_REQUEST_LIST_LIMIT } from './sql-rows.js';
import type { QuotaStore } from './store.js';

type Records = Pick<
  QuotaStore,
  | 'overrides'
  | 'setOverride'
  | 'createRequest'
  | 'getRequest'
  | 'listRequests'
  | 'decideRequest'
  | 'history'
>;

const REQUEST_INDEX = redisKeys.requestIndex;
const requestKey = redisKeys.request;
const overridesKey = redisKeys.overrides;
const historyKey = redisKeys.history;
const MAX_SCANNED_REQUESTS = 10_000;
const DAY_MS = 86_400_000;

interface ScriptedRedis {
  bwQuotaDecide(
    request: string,
    overrides: string,
    expected: string,
    next: string,
    quota: string,
    limit: string,
  ): Promise<number>;
}

/** `YYYY-MM-DD` days from `from` to `to` inclusive (at most 400). */
function days(from: string, to: string): string[] {
  const out: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= end && out.length < 400; t += DAY_MS) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** Overrides, increase requests (JSON per key, a sorted index) and daily history in Redis. */
export function redisQuotaRecords(store: RedisStore): Records {
  const redis = store.redis;
  redis.defineCommand('bwQuotaDecide', { numberOfKeys: 2, lua: DECIDE_LUA });
  const scripted = redis as unknown as ScriptedRedis;
  const get = async (
    id: string,
  ): Promise<{ raw: string; request: IncreaseRequest } | undefined> => {
    const raw = await redis.get(requestKey(id));
    return raw === null ? undefined : { raw, request: JSON.parse(raw) as IncreaseRequest };
  };

  return {
    overrides: async (organization) => {
      const all = await redis.hgetall(overridesKey(organization));
      return Object.fromEntries(
        Object.entries(all).map(([quota, limit]) => [quota, Number(limit)]),
      );
    },
    setOverride: async (organization, quota, limit) => {
      if (limit === undefined) await redis.hdel(overridesKey(organization), quota);
      else await redis.hset(overridesKey(organization), quota, String(limit));
    },
    createRequest: async (input) => {
      const request = pendingRequest(input);
      await redis
        .multi()
        .set(requestKey(request.id), JSON.stringify(request))
        .zadd(REQUEST_INDEX, input.at, request.id)
        .exec();
      return request;
    },
    getRequest: async (id) => {
      return (await get(id))?.request;
    },
    listRequests: async (filter) => {
      const ids = await redis.zrevrange(REQUEST_INDEX, 0, MAX_SCANNED_REQUESTS - 1);
      if (ids.length === 0) return [];
      const raws = await redis.mget(...ids.map(requestKey));
      return raws
        .flatMap((raw) => (raw === null ? [] : [JSON.parse(raw) as IncreaseRequest]))
        .filter((r) => filter.status === undefined || r.status === filter.status)
        .filter((r) => filter.organization === undefined || r.organization === filter.organization)
        .slice(0, filter.limit ?? DEFAULT_REQUEST_LIST_LIMIT);
    },
    decideRequest: async (decision) => {
      // compare-and-set: another operator deciding at the same time makes this one re-read
      for (;;) {
        const found = await get(decision.id);
        if (found === undefined || found.request.status !== 'pending') return found?.request;
        const next = decided(found.request, decision);
        const swapped = await scripted.bwQuotaDecide(
          requestKey(next.id),
          overridesKey(next.organization),
          found.raw,
          JSON.stringify(next),
          next.quota,
          next.grantedLimit === null ? '' : String(next.grantedLimit),
        );
        if (swapped === 1) return next;
      }
    },
    history: async (organization, from, to) => {
      const list = days(from, to);
      const pipeline = redis.pipeline();
      for (const day of list) pipeline.hgetall(historyKey(organization, day));
      const replies = (await pipeline.exec()) ?? [];
      const rows: DailyUsage[] = [];
      list.forEach((day, i) => {
        const [error, fields] = replies[i] ?? [];
        if (error) throw error;
        const byQuota = new Map<string, DailyUsage>();
        for (const [field, value] of Object.entries((fields ?? {}) as Record<string, string>)) {
          const cut = field.lastIndexOf('|');
          const quota = field.slice(0, cut);
          const row = byQuota.get(quota) ?? { day, quota, used: 0, refused: 0, overage: 0 };
          const kind = field.slice(cut + 1);
          if (kind === 'u') row.used = Number(value);
          else if (kind === 'r') row.refused = Number(value);
          else if (kind === 'o') row.overage = Number(value);
          byQuota.set(quota, row);
        }
        rows.push(...[...byQuota.values()].sort((a, b) => a.quota.localeCompare(b.quota)));
      });
      return rows;
    },
  };
}
