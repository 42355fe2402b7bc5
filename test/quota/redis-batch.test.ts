import { afterAll, expect, it } from 'vitest';
import { hasCode } from '../../src/errors/breakwater-error.js';
import { errors } from '../../src/errors/registry.js';
import { createQuotas } from '../../src/quota/quotas.js';
import { redisKeys } from '../../src/quota/redis-scripts.js';
import { openStore } from '../../src/store/open.js';
import type { RedisStore } from '../../src/store/types.js';
import { type Backend, cleanupBackends, describeBackends } from '../support/backends.js';

afterAll(cleanupBackends);

type Quotas = ReturnType<typeof createQuotas>;

/** Runs `test` with a fresh Redis store and a fail-closed `calls` quota (10 a day) on it. */
async function withQuotas(
  backend: Backend,
  test: (quotas: Quotas, store: RedisStore) => Promise<void>,
): Promise<void> {
  const store = openStore(await backend.url()) as RedisStore;
  const quotas = createQuotas({
    store,
    definitions: [{ name: 'calls', limit: 10, window: 'day', onStoreFailure: 'closed' }],
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
});
