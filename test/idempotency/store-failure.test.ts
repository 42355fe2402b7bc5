import path from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { SqlStore, Store } from '../../src/store/types.js';
import { buildOrdersApp, createBusinessTable } from '../fixtures/idempotency/app.js';
import { cleanupBackends, tempDir } from '../support/backends.js';

afterAll(cleanupBackends);

// Stores on a dead port: the idempotency store fails, the business SQLite file works.
describe.each([
  ['postgres', 'postgres://postgres@127.0.0.1:1/test'],
  ['redis', 'redis://127.0.0.1:1'],
])('idempotency with an unavailable %s store', (_kind, url) => {
  let business: SqlStore;
  const stores: Store[] = [];
  beforeAll(async () => {
    business = openStore(`sqlite:${path.join(tempDir(), 'business.db')}`) as SqlStore;
    await createBusinessTable(business);
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await business.close();
  });

  async function build(failOpen: boolean) {
    const store = openStore(url);
    stores.push(store);
    const registry = new Registry();
    const logs: string[] = [];
    const built = await buildOrdersApp({
      store,
      business,
      idempotency: { failOpen, registry },
      log: (line) => logs.push(line),
    });
    return { ...built, registry, logs };
  }

  it('fails closed by default: 503 BW_IDEMPOTENCY_STORE_UNAVAILABLE, handler not run', async () => {
    const { app, executions, registry } = await build(false);
    const response = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: {},
      headers: { 'idempotency-key': 'k1' },
    });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: 'BW_IDEMPOTENCY_STORE_UNAVAILABLE' });
    expect(executions()).toBe(0);
    expect(await registry.metrics()).toContain(
      'breakwater_idempotency_store_errors_total{operation="claim"} 1',
    );
    await app.close();
  });

  it('with failOpen, runs the handler without protection', async () => {
    const { app, executions, logs } = await build(true);
    const send = () =>
      app.inject({
        method: 'POST',
        url: '/orders',
        payload: {},
        headers: { 'idempotency-key': 'k1' },
      });
    expect((await send()).statusCode).toBe(201);
    expect((await send()).statusCode).toBe(201);
    expect(executions()).toBe(2);
    expect(logs.filter((line) => line.includes('without protection'))).toHaveLength(2);
    await app.close();
  });
});
