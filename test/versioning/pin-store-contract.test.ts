import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hasCode } from '../../src/errors/breakwater-error.js';
import { errors } from '../../src/errors/registry.js';
import { migrateBreakwater } from '../../src/migrate/own.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import { versionPinStore } from '../../src/versioning/open.js';
import type { VersionPinStore } from '../../src/versioning/store.js';
import { cleanupBackends, describeBackends } from '../support/backends.js';

afterAll(cleanupBackends);

const T0 = 1_800_000_000_000;

/** One contract, every backend: what the request path and the CLI rely on. */
describeBackends('version pin store', ['sqlite', 'postgres', 'redis'], (backend) => {
  let store: Store;
  let pins: VersionPinStore;
  const clock = { t: T0 };

  beforeAll(async () => {
    store = openStore(await backend.url());
    if (store.kind !== 'redis') await migrateBreakwater(store);
    pins = versionPinStore(store, { now: () => clock.t });
  });
  afterAll(async () => {
    await store.close();
  });

  const org = () => `org_${randomUUID()}`;

  it('has no pin for an unknown organization', async () => {
    expect(await pins.getPin(org())).toBeUndefined();
  });

  it('pins once: a second pinIfAbsent keeps the first version and time', async () => {
    const id = org();
    clock.t = T0;
    expect(await pins.pinIfAbsent(id, 'v2')).toEqual({ orgId: id, version: 'v2', pinnedAt: T0 });
    clock.t = T0 + 1000;
    expect(await pins.pinIfAbsent(id, 'v3')).toEqual({ orgId: id, version: 'v2', pinnedAt: T0 });
    expect(await pins.getPin(id)).toEqual({ orgId: id, version: 'v2', pinnedAt: T0 });
  });

  it('moves a pin with setPin, and sets one that did not exist', async () => {
    const id = org();
    clock.t = T0;
    await pins.pinIfAbsent(id, 'v2');
    clock.t = T0 + 5;
    expect(await pins.setPin(id, 'v1')).toEqual({ orgId: id, version: 'v1', pinnedAt: T0 + 5 });
    expect((await pins.getPin(id))?.version).toBe('v1');
    expect(await pins.pinIfAbsent(id, 'v2')).toMatchObject({ version: 'v1' });
    const fresh = org();
    expect(await pins.setPin(fresh, '2024-06-01')).toMatchObject({ version: '2024-06-01' });
  });

  it('gives concurrent first requests one and the same pin', async () => {
    const id = org();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => pins.pinIfAbsent(id, `v${i + 1}`)),
    );
    const versions = new Set(results.map((pin) => pin.version));
    expect(versions.size).toBe(1);
    expect((await pins.getPin(id))?.version).toBe([...versions][0]);
  });

  it('keeps organizations apart, whatever characters their ids hold', async () => {
    const ids = ['org:a', 'org:a:b', "o'rg; DROP TABLE x", 'ørg ✓', 'x'.repeat(256)];
    for (const [i, id] of ids.entries()) await pins.setPin(id, `v${i + 1}`);
    for (const [i, id] of ids.entries()) expect((await pins.getPin(id))?.version).toBe(`v${i + 1}`);
  });

  it('rejects an empty or over-long organization id and stops on an aborted signal', async () => {
    for (const bad of ['', 'x'.repeat(257)]) {
      await expect(pins.getPin(bad)).rejects.toSatisfy((e) => hasCode(e, errors.VERSIONING_CONFIG));
    }
    const controller = new AbortController();
    controller.abort();
    await expect(pins.getPin(org(), controller.signal)).rejects.toThrow();
  });
});

describeBackends('version pin store without migrations', ['sqlite', 'postgres'], (backend) => {
  it('says which table is missing and how to create it', async () => {
    const store = openStore(await backend.url());
    try {
      const error = await versionPinStore(store)
        .getPin('org')
        .catch((e: unknown) => e);
      expect(hasCode(error, errors.VERSIONING_CONFIG)).toBe(true);
      expect((error as Error).message).toContain('breakwater_version_pins is missing');
      expect((error as Error).message).toContain('migrateBreakwater(store)');
    } finally {
      await store.close();
    }
  });
});
