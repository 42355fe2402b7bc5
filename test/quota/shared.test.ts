import Fastify from 'fastify';
import { afterAll, expect, it } from 'vitest';
import { fastifyQuota } from '../../src/http/fastify-quota.js';
import { migrateBreakwater } from '../../src/migrate/index.js';
import type { QuotaEvent } from '../../src/quota/events.js';
import { memoryQuotaStore } from '../../src/quota/memory.js';
import { createQuotas, type QuotasOptions } from '../../src/quota/quotas.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import { cleanupBackends, describeBackends } from '../support/backends.js';

afterAll(cleanupBackends);

const DEFINITIONS = [{ name: 'daily', limit: 2, window: 'day' as const }];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Two `createQuotas` on one shared store stand for two processes: what each caches (limits)
 * or buffers (daily history) is invisible to the other until the documented bound.
 */
describeBackends('quotas sharing a store', ['sqlite', 'postgres', 'redis'], (backend) => {
  /** Runs `test` on a fresh store of this backend, closed afterwards. */
  async function withStore(test: (store: Store) => Promise<void>): Promise<void> {
    const store = openStore(await backend.url());
    try {
      if (store.kind !== 'redis') await migrateBreakwater(store);
      await test(store);
    } finally {
      await store.close();
    }
  }

  function pair(store: Store, options: Partial<QuotasOptions> = {}) {
    const clock = { t: Date.parse('2026-05-01T10:00:00Z') };
    const make = () =>
      createQuotas({ store, definitions: DEFINITIONS, now: () => clock.t, ...options });
    return { clock, here: make(), there: make() };
  }

  it('caches limits for overrideCacheMs: a change here applies at once, there within the TTL', async () =>
    withStore(async (store) => {
      const { clock, here, there } = pair(store, { overrideCacheMs: 5_000 });
      const org = 'org_cache';
      const use = (quotas: typeof here) => quotas.consume({ organization: org, quotas: ['daily'] });
      expect((await use(there)).items[0]?.limit).toBe(2); // `there` caches the default
      await here.setOverride(org, 'daily', 10);
      expect((await use(here)).items[0]?.limit).toBe(10);
      // another process: the cached limit holds until its TTL runs out
      clock.t += 4_999;
      expect((await use(there)).items[0]?.limit).toBe(2);
      clock.t += 1;
      expect((await use(there)).items[0]?.limit).toBe(10);
      // an approval through `here` is seen by `here` at once
      const filed = await here.requestIncrease({
        organization: org,
        quota: 'daily',
        limit: 20,
        reason: 'more',
      });
      expect((await use(here)).items[0]?.limit).toBe(10);
      await here.approve(filed.id, { actor: 'ops' });
      expect((await use(here)).items[0]?.limit).toBe(20);
      await here.setOverride(org, 'daily', undefined);
      const back = await use(here);
      expect(back.items[0]?.limit).toBe(2);
      expect(back.admitted).toBe(false); // 4 used of 2 by `here` alone
      await Promise.all([here.close(), there.close()]);
    }));

  it('reads the limit in every step with overrideCacheMs 0', async () =>
    withStore(async (store) => {
      const { here, there } = pair(store, { overrideCacheMs: 0 });
      const org = 'org_nocache';
      expect((await there.consume({ organization: org, quotas: ['daily'] })).items[0]?.limit).toBe(
        2,
      );
      await here.setOverride(org, 'daily', 7);
      expect((await there.consume({ organization: org, quotas: ['daily'] })).items[0]?.limit).toBe(
        7,
      );
      await Promise.all([here.close(), there.close()]);
    }));

  it('writes the daily history in batches: on its timer, before a read, and on close', async () =>
    withStore(async (store) => {
      const { here, there } = pair(store, { historyFlushMs: 200 });
      const org = 'org_history';
      const consume = () => here.consume({ organization: org, quotas: ['daily'] });
      const first = await consume();
      await consume();
      await consume(); // refused: the limit is 2
      await here.refund(first);
      // not written yet: another process does not see it
      expect(await there.history(org, 1)).toEqual([]);
      // this process does: a read writes what it buffered first
      const row = { day: '2026-05-01', quota: 'daily', used: 1, refused: 1, overage: 0 };
      expect(await here.history(org, 1)).toEqual([row]);
      await consume();
      await consume(); // refused
      await sleep(400); // the timer wrote them
      expect(await there.history(org, 1)).toEqual([{ ...row, used: 2, refused: 2 }]);
      await consume(); // refused
      await here.close();
      expect(await there.history(org, 1)).toEqual([{ ...row, used: 2, refused: 3 }]);
      await there.close();
    }));

  it('writes the buffered history when the Fastify app closes', async () =>
    withStore(async (store) => {
      const { here, there } = pair(store, { historyFlushMs: 60_000 });
      const app = Fastify({ logger: false });
      await app.register(fastifyQuota, { quotas: here, key: () => 'org_app' });
      app.post('/work', { config: { quota: ['daily'] } }, async () => ({ ok: true }));
      expect((await app.inject({ method: 'POST', url: '/work' })).statusCode).toBe(200);
      expect(await there.history('org_app', 1)).toEqual([]);
      await app.close();
      expect(await there.history('org_app', 1)).toEqual([
        { day: '2026-05-01', quota: 'daily', used: 1, refused: 0, overage: 0 },
      ]);
      await Promise.all([here.close(), there.close()]);
    }));
});

it('keeps history rows a failed write could not store, and drops them past historyMaxRows', async () => {
  const events: QuotaEvent[] = [];
  let fail: (error: Error) => void = () => {};
  const failing = createQuotas({
    store: {
      ...memoryQuotaStore(),
      // a shared store whose history writes fail, the first one only when told to
      kind: 'redis',
      consumeNow: undefined,
      consumeOneNow: undefined,
      addHistory: () =>
        new Promise<void>((_, reject) => {
          fail = reject;
        }),
    },
    definitions: DEFINITIONS,
    historyFlushMs: 60_000,
    historyMaxRows: 2,
    onEvent: (event) => events.push(event),
  });
  const use = (organization: string) => failing.consume({ organization, quotas: ['daily'] });
  await use('a');
  const first = failing.flush(); // takes a's row; the write hangs
  await use('b');
  await use('c'); // two rows came in meanwhile: with a's back there would be three
  fail(new Error('history table is gone'));
  await expect(first).rejects.toThrow('history table is gone');
  expect(events.filter((e) => e.type === 'history-dropped')).toEqual([
    expect.objectContaining({ rows: 1, error: 'history table is gone' }),
  ]);
  const second = failing.flush(); // b and c: kept for the next try, within the bound
  fail(new Error('still gone'));
  await expect(second).rejects.toThrow('still gone');
  expect(events.filter((e) => e.type === 'history-dropped')).toHaveLength(1);
  const third = failing.close();
  fail(new Error('gone for good'));
  await expect(third).rejects.toThrow('gone for good');
});

it('gives a step that does not answer within storeTimeoutMs to the fallback, and ignores its late answer', async () => {
  const memory = memoryQuotaStore();
  const late: Array<() => void> = [];
  const events: QuotaEvent[] = [];
  const quotas = createQuotas({
    store: {
      ...memory,
      kind: 'redis',
      consumeNow: undefined,
      consumeOneNow: undefined,
      // answers only when told to
      consume: (items, now) =>
        new Promise((resolve) => late.push(() => resolve(memory.consume(items, now)))),
    },
    definitions: [
      { name: 'open', limit: 5, window: 'day' },
      { name: 'closed', limit: 5, window: 'day', onStoreFailure: 'closed' },
    ],
    storeTimeoutMs: 100,
    storeRetryMs: 60_000,
    onEvent: (event) => events.push(event),
  });
  const started = performance.now();
  const open = await quotas.consume({ organization: 'a', quotas: ['open'] });
  expect(open).toMatchObject({ admitted: true, source: 'fallback' });
  expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  expect(performance.now() - started).toBeLessThan(1_000);
  expect(events).toContainEqual(expect.objectContaining({ type: 'store-unavailable' }));
  for (const answer of late) answer(); // too late: changes nothing, throws nothing
  await expect(quotas.consume({ organization: 'a', quotas: ['closed'] })).rejects.toMatchObject({
    code: 'BW_QUOTA_STORE_UNAVAILABLE',
  });
  await quotas.close();
});
