import type { RedisStore } from '../store/types.js';
import type { BreakerClusterStore, BreakerOverride, ClusterView, PublishedState } from './store.js';

const KEY = Object.freeze({
  instances: 'breakers:instances',
  states: 'breakers:states',
  overrides: 'breakers:overrides',
});

/** Bumps the version and writes the override in one step; returns the stored JSON. */
const SET_OVERRIDE_LUA = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
local version = 1
if current then version = tonumber(cjson.decode(current).version) + 1 end
local value = cjson.encode({ breaker = ARGV[1], mode = ARGV[2], version = version,
  actor = ARGV[3], updatedAt = ARGV[4] })
redis.call('HSET', KEYS[1], ARGV[1], value)
return value`;

interface ScriptedRedis {
  bwBreakerOverride(key: string, ...args: Array<string | number>): Promise<string>;
}

const field = (instance: string, breaker: string) => `${instance}|${breaker}`;

function parseOverride(json: string): BreakerOverride {
  const raw = JSON.parse(json) as Record<string, string | number>;
  return {
    breaker: String(raw.breaker),
    mode: raw.mode as BreakerOverride['mode'],
    version: Number(raw.version),
    actor: String(raw.actor),
    updatedAt: Number(raw.updatedAt),
  };
}

/**
 * Breaker cluster state in three Redis hashes under the store's prefix: instances (heartbeat),
 * states (`instance|breaker`) and overrides (breaker), each publish one MULTI.
 */
export function redisBreakerStore(store: RedisStore): BreakerClusterStore {
  const redis = store.redis;
  redis.defineCommand('bwBreakerOverride', { numberOfKeys: 1, lua: SET_OVERRIDE_LUA });
  const scripted = redis as unknown as ScriptedRedis;
  const remove = async (instances: string[]) => {
    if (instances.length === 0) return;
    const gone = new Set(instances);
    const fields = Object.keys(await redis.hgetall(KEY.states)).filter((f) =>
      gone.has(f.slice(0, f.lastIndexOf('|'))),
    );
    const tx = redis.multi().hdel(KEY.instances, ...instances);
    if (fields.length > 0) tx.hdel(KEY.states, ...fields);
    await tx.exec();
  };

  return {
    kind: 'redis',
    publish: async (instance, startedAt, states, now) => {
      const tx = redis
        .multi()
        .hset(KEY.instances, instance, JSON.stringify({ heartbeatAt: now, startedAt }));
      if (states.length > 0) {
        const values: Record<string, string> = {};
        for (const s of states) {
          values[field(instance, s.breaker)] = JSON.stringify({
            state: s.state,
            cause: s.cause,
            since: s.since,
            updatedAt: now,
          });
        }
        tx.hset(KEY.states, values);
      }
      await tx.exec();
    },
    view: async (): Promise<ClusterView> => {
      const [instances, states] = await Promise.all([
        redis.hgetall(KEY.instances),
        redis.hgetall(KEY.states),
      ]);
      return {
        instances: Object.entries(instances).map(([instance, json]) => {
          const raw = JSON.parse(json) as { heartbeatAt: number; startedAt: number };
          return { instance, heartbeatAt: raw.heartbeatAt, startedAt: raw.startedAt };
        }),
        states: Object.entries(states)
          .map(([key, json]): PublishedState => {
            const raw = JSON.parse(json) as Omit<PublishedState, 'instance' | 'breaker'>;
            const cut = key.lastIndexOf('|');
            return { instance: key.slice(0, cut), breaker: key.slice(cut + 1), ...raw };
          })
          .sort(
            (a, b) => a.breaker.localeCompare(b.breaker) || a.instance.localeCompare(b.instance),
          ),
      };
    },
    overrides: async () => {
      return Object.values(await redis.hgetall(KEY.overrides)).map(parseOverride);
    },
    setOverride: async (breaker, mode, actor, now) => {
      return parseOverride(
        await scripted.bwBreakerOverride(KEY.overrides, breaker, mode, actor, now),
      );
    },
    leave: async (instance) => {
      await remove([instance]);
    },
    prune: async (before) => {
      const instances = await redis.hgetall(KEY.instances);
      const stale = Object.entries(instances)
        .filter(([, json]) => (JSON.parse(json) as { heartbeatAt: number }).heartbeatAt < before)
        .map(([instance]) => instance);
      await remove(stale);
      return stale.length;
    },
  };
}
