import { createHash } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { hasCode } from '../../src/errors/breakwater-error.js';
import { errors } from '../../src/errors/registry.js';
import { createQuotas } from '../../src/quota/quotas.js';
import { CALENDAR_BATCH_LUA, CALENDAR_LUA } from '../../src/quota/redis-calendar.js';
import { CONSUME_BATCH_LUA, CONSUME_LUA, redisKeys } from '../../src/quota/redis-scripts.js';
import { openStore } from '../../src/store/open.js';
import type { RedisStore } from '../../src/store/types.js';
import { type Backend, cleanupBackends, describeBackends } from '../support/backends.js';

afterAll(cleanupBackends);

type Quotas = ReturnType<typeof createQuotas>;
type Consumed = Awaited<ReturnType<Quotas['consume']>>;

const DAY_MS = 86_400_000;
const TODAY = Date.parse('2026-05-01T00:00:00Z');
/** The quotas' clock: 10:00 UTC of TODAY unless a test moves it. */
const clock = TODAY + 10 * 3_600_000;

const sha = (lua: string): string => createHash('sha1').update(lua).digest('hex');

/** The scripts that decide consume steps (history writes and refunds are not counted). */
const CONSUME_SCRIPTS = new Set(
  [CALENDAR_LUA, CALENDAR_BATCH_LUA, CONSUME_LUA, CONSUME_BATCH_LUA].map(sha),
);

/**
 * The consume scripts Redis runs for this store while `run` does, by SHA (MONITOR on its
 * own client). A timed history flush may run in between; it is not a consume script.
 */
async function scriptsRun(store: RedisStore, run: () => Promise<void>): Promise<string[]> {
  const monitor = await store.redis.duplicate().monitor();
  const seen: string[] = [];
  const fence = `fence-${process.pid}-${Date.now()}`;
  let fenced: () => void = () => {};
  const reached = new Promise<void>((resolve) => {
    fenced = resolve;
  });
  monitor.on('monitor', (_time: string, args: string[]) => {
    const command = args[0]?.toLowerCase();
    if (command === 'echo' && args[1] === fence) fenced();
    if (
      command === 'evalsha' &&
      CONSUME_SCRIPTS.has(args[1] as string) &&
      String(args[3]).startsWith(store.prefix)
    ) {
      seen.push(args[1] as string);
    }
  });
  try {
    await run();
    // MONITOR lines arrive after the replies: an ECHO sent after the steps fences them
    await store.redis.echo(fence);
    await reached;
  } finally {
    monitor.disconnect();
  }
  return seen;
}

/** Runs `test` with a fresh Redis store and a fail-closed `calls` quota (10 a day) on it. */
async function withQuotas(
  backend: Backend,
  test: (quotas: Quotas, store: RedisStore) => Promise<void>,
): Promise<void> {
  const store = openStore(await backend.url()) as RedisStore;
  const quotas = createQuotas({
    store,
    definitions: [{ name: 'calls', limit: 10, window: 'day', onStoreFailure: 'closed' }],
    now: () => clock,
  });
  try {
    await test(quotas, store);
  } finally {
    await quotas.close();
    await store.close();
  }
}

describeBackends('quota steps batched into one script', ['redis'], (backend) => {
  it('fails only the step whose key is broken; the others in its batch count', () =>
    withQuotas(backend, async (quotas, store) => {
      const quota = quotas.definitions.get('calls');
      if (quota === undefined) throw new Error('no quota');
      // a key of the wrong type under the quota's name: Redis refuses HMGET on it
      await store.redis.set(redisKeys.state(quota, 'org_broken'), 'not a hash');
      const steps = await Promise.allSettled(
        ['org_a', 'org_broken', 'org_b', 'org_a'].map((organization) =>
          quotas.consume({ organization, quotas: ['calls'] }),
        ),
      );
      expect(steps.map((s) => s.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
      ]);
      const broken = steps[1] as PromiseRejectedResult;
      expect(hasCode(broken.reason, errors.QUOTA_STORE_UNAVAILABLE)).toBe(true);
      const counted = steps
        .filter((s): s is PromiseFulfilledResult<Awaited<ReturnType<Quotas['consume']>>> => {
          return s.status === 'fulfilled';
        })
        .map((s) => [s.value.items[0]?.subject, s.value.items[0]?.used, s.value.source]);
      expect(counted).toEqual([
        ['org_a', 1, 'store'],
        ['org_b', 1, 'store'],
        ['org_a', 2, 'store'],
      ]);
    }));

  it('loads its scripts again when Redis has forgotten them (SCRIPT FLUSH)', () =>
    withQuotas(backend, async (quotas, store) => {
      const organization = `org_flush_${process.pid}`;
      const one = () => quotas.consume({ organization, quotas: ['calls'] });
      expect((await one()).items[0]?.used).toBe(1);
      await store.redis.script('FLUSH');
      // alone (one step per script call), then several in one tick (one batch)
      expect((await one()).items[0]?.used).toBe(2);
      await store.redis.script('FLUSH');
      const together = await Promise.all([one(), one(), one()]);
      expect(together.map((c) => c.items[0]?.used)).toEqual([3, 4, 5]);
    }));

  it('decides a check of one calendar quota with a known limit on the lean script, alone and batched', () =>
    withQuotas(backend, async (quotas, store) => {
      const orgs = ['org_lean_a', 'org_lean_b', 'org_lean_broken'].map(
        (o) => `${o}_${process.pid}`,
      );
      const quota = quotas.definitions.get('calls');
      if (quota === undefined) throw new Error('no quota');
      const one = (organization: string) => quotas.consume({ organization, quotas: ['calls'] });
      // the first check of each organization reads its limit (the general script)
      for (const organization of orgs) expect((await one(organization)).items[0]?.used).toBe(1);
      await store.redis.del(redisKeys.state(quota, orgs[2] as string));
      await store.redis.set(redisKeys.state(quota, orgs[2] as string), 'not a hash');
      let alone: Consumed | undefined;
      let together: PromiseSettledResult<Consumed>[] = [];
      const seen = await scriptsRun(store, async () => {
        alone = await one(orgs[0] as string);
        together = await Promise.allSettled(
          [orgs[0], orgs[2], orgs[1]].map((o) => one(o as string)),
        );
      });
      expect(seen).toEqual([sha(CALENDAR_LUA), sha(CALENDAR_BATCH_LUA)]);
      expect(alone?.items[0]).toMatchObject({ used: 2, remaining: 8, fits: true, start: TODAY });
      expect(together.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const used = together.map((s) => (s.status === 'fulfilled' ? s.value.items[0]?.used : -1));
      expect(used).toEqual([3, -1, 2]);
      const broken = together[1] as PromiseRejectedResult;
      expect(hasCode(broken.reason, errors.QUOTA_STORE_UNAVAILABLE)).toBe(true);
    }));

  it('keeps what the lean script stores the same as the general one: window, expiry, refusals', () =>
    withQuotas(backend, async (quotas, store) => {
      const organization = `org_lean_state_${process.pid}`;
      const quota = quotas.definitions.get('calls');
      if (quota === undefined) throw new Error('no quota');
      const key = redisKeys.state(quota, organization);
      const one = () => quotas.consume({ organization, quotas: ['calls'] });
      await one();
      // yesterday's count under the key: the lean script starts today's window afresh
      await store.redis.hset(key, 's', TODAY - DAY_MS, 'u', 9, 'p', 0);
      await store.redis.persist(key);
      expect((await one()).items[0]).toMatchObject({ used: 1, start: TODAY });
      expect(await store.redis.hgetall(key)).toEqual({ s: String(TODAY), u: '1', p: '0' });
      const ttl = await store.redis.pttl(key);
      // the window's end (14 h away) plus a minute
      expect(ttl).toBeGreaterThan(14 * 3_600_000);
      expect(ttl).toBeLessThanOrEqual(14 * 3_600_000 + 60_000);
      // a window newer than the caller's (another process's clock ahead) is kept and counted
      await store.redis.hset(key, 's', TODAY + DAY_MS, 'u', 4);
      expect((await one()).items[0]).toMatchObject({ used: 5, start: TODAY + DAY_MS });
      // fractional counts come back exactly; a refusal changes nothing
      await store.redis.hset(key, 's', TODAY, 'u', 8.5);
      expect((await one()).items[0]).toMatchObject({ used: 9.5, fits: true });
      const over = await one();
      expect(over.admitted).toBe(false);
      expect(over.items[0]).toMatchObject({ used: 9.5, fits: false, retryAt: TODAY + DAY_MS });
      expect(await store.redis.hget(key, 'u')).toBe('9.5');
      const half = await quotas.consume({ organization, quotas: { calls: 0.5 } });
      expect(half.items[0]).toMatchObject({ used: 10, remaining: 0, fits: true });
      expect(await store.redis.hget(key, 'u')).toBe('10');
    }));
});
