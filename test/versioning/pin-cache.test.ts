import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateBreakwater } from '../../src/migrate/own.js';
import { openSqlite } from '../../src/store/sqlite.js';
import { createPinCache } from '../../src/versioning/pin-cache.js';
import { sqlitePinStore } from '../../src/versioning/sqlite.js';
import type { VersionPinStore } from '../../src/versioning/store.js';
import { cleanupBackends, tempDir } from '../support/backends.js';

afterAll(cleanupBackends);

async function pinStore() {
  const store = openSqlite(path.join(tempDir(), 'state.db'));
  await migrateBreakwater(store);
  return { store, pins: sqlitePinStore(store) };
}

/** Counts the calls that reach the real store. */
function counting(pins: VersionPinStore) {
  let calls = 0;
  const counted: VersionPinStore = {
    ...pins,
    pinIfAbsent: (...args) => {
      calls++;
      return pins.pinIfAbsent(...args);
    },
  };
  return { counted, calls: () => calls };
}

describe('pin cache', () => {
  it('pins on first use, serves from memory until the TTL, then sees a moved pin', async () => {
    const { store, pins } = await pinStore();
    const { counted, calls } = counting(pins);
    const clock = { t: 0 };
    const cache = createPinCache(counted, { ttlMs: 1000, now: () => clock.t });
    expect(await cache.pinned('org_a', 'v2')).toBe('v2');
    expect((await pins.getPin('org_a'))?.version).toBe('v2');
    await pins.setPin('org_a', 'v1'); // an operator, elsewhere
    clock.t = 999;
    expect(await cache.pinned('org_a', 'v2')).toBe('v2');
    expect(calls()).toBe(1);
    clock.t = 1000;
    expect(await cache.pinned('org_a', 'v2')).toBe('v1');
    expect(calls()).toBe(2);
    await store.close();
  });

  it('shares one store call between concurrent misses; ttl 0 reads every time', async () => {
    const { store, pins } = await pinStore();
    const { counted, calls } = counting(pins);
    const cache = createPinCache(counted, { ttlMs: 0 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => cache.pinned('o', 'v3')));
    expect(new Set(answers)).toEqual(new Set(['v3']));
    expect(calls()).toBe(1);
    await cache.pinned('o', 'v3');
    expect(calls()).toBe(2);
    await store.close();
  });

  it('keeps at most maxEntries organizations, dropping the least recently used', async () => {
    const { store, pins } = await pinStore();
    const { counted, calls } = counting(pins);
    const cache = createPinCache(counted, { ttlMs: 60_000, maxEntries: 2, now: () => 0 });
    await cache.pinned('a', 'v1');
    await cache.pinned('b', 'v1');
    await cache.pinned('a', 'v1'); // a is now the most recent
    await cache.pinned('c', 'v1'); // evicts b
    expect(calls()).toBe(3);
    await cache.pinned('a', 'v1');
    expect(calls()).toBe(3);
    await cache.pinned('b', 'v1');
    expect(calls()).toBe(4);
    await store.close();
  });
});
