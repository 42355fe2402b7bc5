import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Scope } from '../../src/idempotency/fingerprint.js';
import { idempotencyStore } from '../../src/idempotency/open.js';
import type { IdempotencyStore, StoredResponse } from '../../src/idempotency/store.js';
import { startSweeper } from '../../src/idempotency/sweeper.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import { migrateIdempotency } from '../fixtures/idempotency/migrate.js';
import { cleanupBackends, describeBackends } from '../support/backends.js';

afterAll(cleanupBackends);

const T0 = 1_700_000_000_000;
const LEASE = 60_000;
const TTL = 86_400_000;
const scope = (key = randomUUID(), over: Partial<Scope> = {}): Scope => ({
  key,
  tenant: 't1',
  method: 'POST',
  route: '/orders/:id',
  ...over,
});
const response = (text: string): StoredResponse => ({
  status: 201,
  headers: { 'content-type': 'application/json', location: '/orders/1' },
  // bytes that are not valid UTF-8 must survive the round trip
  body: Buffer.concat([Buffer.from(text), Buffer.from([0x00, 0xff, 0xfe, 0x80])]),
});

describeBackends('idempotency store contract', ['sqlite', 'postgres', 'redis'], (backend) => {
  let base: Store;
  let store: IdempotencyStore;

  beforeAll(async () => {
    base = openStore(await backend.url());
    await migrateIdempotency(base);
    store = idempotencyStore(base);
  });
  afterAll(() => base.close());

  it('claims a free key once; a second claim sees it in flight with its lease', async () => {
    const s = scope();
    expect(await store.claim(s, 'fp1', 'tok-a', LEASE, T0)).toEqual({
      kind: 'claimed',
      recovered: false,
    });
    expect(await store.claim(s, 'fp1', 'tok-b', LEASE, T0 + 10)).toEqual({
      kind: 'in-flight',
      fingerprint: 'fp1',
      leaseExpiresAt: T0 + LEASE,
    });
  });

  it('completes with the holding token and returns the response byte for byte', async () => {
    const s = scope();
    await store.claim(s, 'fp1', 'tok-a', LEASE, T0);
    expect(await store.complete(s, 'tok-a', response('{"id":1}'), TTL, T0 + 5)).toBe(true);
    const found = await store.claim(s, 'fp1', 'tok-b', LEASE, T0 + 10);
    expect(found).toEqual({
      kind: 'completed',
      fingerprint: 'fp1',
      response: response('{"id":1}'),
    });
    if (found.kind !== 'completed') throw new Error('expected completed');
    expect(found.response.body.equals(response('{"id":1}').body)).toBe(true);
    // a completed key is not completed or released again
    expect(await store.complete(s, 'tok-a', response('other'), TTL, T0 + 20)).toBe(false);
    expect(await store.release(s, 'tok-a')).toBe(false);
  });

  it('refuses complete and release with a token that does not hold the key', async () => {
    const s = scope();
    await store.claim(s, 'fp1', 'tok-a', LEASE, T0);
    expect(await store.complete(s, 'tok-x', response('x'), TTL, T0)).toBe(false);
    expect(await store.release(s, 'tok-x')).toBe(false);
    expect((await store.claim(s, 'fp1', 'tok-b', LEASE, T0)).kind).toBe('in-flight');
  });

  it('release frees the key so the next claim runs again', async () => {
    const s = scope();
    await store.claim(s, 'fp1', 'tok-a', LEASE, T0);
    expect(await store.release(s, 'tok-a')).toBe(true);
    expect(await store.claim(s, 'fp2', 'tok-b', LEASE, T0 + 1)).toEqual({
      kind: 'claimed',
      recovered: false,
    });
  });

  it('lets a claim take over an expired lease and fences the stale holder out', async () => {
    const s = scope();
    await store.claim(s, 'fp1', 'tok-a', LEASE, T0);
    expect((await store.claim(s, 'fp1', 'tok-b', LEASE, T0 + LEASE - 1)).kind).toBe('in-flight');
    expect(await store.claim(s, 'fp1', 'tok-b', LEASE, T0 + LEASE)).toEqual({
      kind: 'claimed',
      recovered: true,
    });
    // the first holder wakes up late: its completion and release are no-ops
    expect(await store.complete(s, 'tok-a', response('stale'), TTL, T0 + LEASE + 1)).toBe(false);
    expect(await store.release(s, 'tok-a')).toBe(false);
    expect(await store.complete(s, 'tok-b', response('fresh'), TTL, T0 + LEASE + 2)).toBe(true);
    const found = await store.claim(s, 'fp1', 'tok-c', LEASE, T0 + LEASE + 3);
    expect(found).toMatchObject({ kind: 'completed', response: response('fresh') });
  });

  it('replays until the TTL and lets the key run anew after it', async () => {
    const s = scope();
    await store.claim(s, 'fp1', 'tok-a', LEASE, T0);
    await store.complete(s, 'tok-a', response('r'), TTL, T0);
    expect((await store.claim(s, 'fp1', 'tok-b', LEASE, T0 + TTL - 1)).kind).toBe('completed');
    expect(await store.claim(s, 'fp2', 'tok-b', LEASE, T0 + TTL)).toEqual({
      kind: 'claimed',
      recovered: false,
    });
    expect(await store.claim(s, 'fp2', 'tok-c', LEASE, T0 + TTL + 1)).toMatchObject({
      kind: 'in-flight',
      fingerprint: 'fp2',
    });
  });

  it('keeps keys apart by tenant, method and route', async () => {
    const key = randomUUID();
    const scopes = [
      scope(key),
      scope(key, { tenant: 't2' }),
      scope(key, { tenant: '' }),
      scope(key, { method: 'PATCH' }),
      scope(key, { route: '/orders' }),
    ];
    for (const s of scopes) {
      expect((await store.claim(s, 'fp', randomUUID(), LEASE, T0)).kind).toBe('claimed');
    }
  });

  it('gives a key to exactly one of many concurrent claims', async () => {
    const s = scope();
    const results = await Promise.all(
      Array.from({ length: 40 }, () => store.claim(s, 'fp1', randomUUID(), LEASE, T0)),
    );
    expect(results.filter((r) => r.kind === 'claimed')).toHaveLength(1);
    expect(results.filter((r) => r.kind === 'in-flight')).toHaveLength(39);
  });

  it.skipIf(backend.kind === 'redis')(
    'sweeps expired records in bounded batches, keeping live ones (Redis: key TTL instead)',
    async () => {
      const sweepAt = T0 + 10 * TTL; // far from every other test's records
      const expired = Array.from({ length: 5 }, () => scope());
      for (const s of expired) {
        await store.claim(s, 'fp', 'tok', LEASE, sweepAt - TTL);
        await store.complete(s, 'tok', response('old'), TTL, sweepAt - TTL);
      }
      const live = scope();
      await store.claim(live, 'fp', 'tok', LEASE, sweepAt);
      await store.complete(live, 'tok', response('live'), TTL, sweepAt);
      const before = await count();
      expect(await store.sweep(sweepAt, 2)).toBe(2);
      const sweeper = startSweeper(store, { intervalMs: 60_000, batchSize: 2, now: () => sweepAt });
      // the rest (3 of ours plus every earlier test's record, all older) goes in batches
      const swept = await sweeper.sweep();
      sweeper.stop();
      expect(swept).toBe(before - 2 - 1);
      expect(await count()).toBe(1);
      expect((await store.claim(live, 'fp', 'tok2', LEASE, sweepAt + 1)).kind).toBe('completed');
    },
  );

  it('sweeps on its unref-ed timer until its signal aborts', async () => {
    const controller = new AbortController();
    let ticks = 0;
    const counting: IdempotencyStore = {
      ...store,
      sweep: async (now, limit) => {
        ticks++;
        return store.sweep(now, limit);
      },
    };
    startSweeper(counting, { intervalMs: 5, batchSize: 10, signal: controller.signal });
    await expect.poll(() => ticks, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    controller.abort();
    const stoppedAt = ticks;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(ticks).toBe(stoppedAt);
  });

  async function count(): Promise<number> {
    if (base.kind === 'sqlite') {
      return (
        base.db.prepare('SELECT count(*) AS n FROM breakwater_idempotency_keys').get() as {
          n: number;
        }
      ).n;
    }
    if (base.kind === 'postgres') {
      const { rows } = await base.pool.query(
        'SELECT count(*)::int AS n FROM breakwater_idempotency_keys',
      );
      return (rows[0] as { n: number }).n;
    }
    return 0;
  }
});
