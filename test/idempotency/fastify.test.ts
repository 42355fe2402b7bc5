import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyIdempotencyOptions } from '../../src/http/fastify-idempotency.js';
import { openStore } from '../../src/store/open.js';
import type { SqlStore, Store } from '../../src/store/types.js';
import { buildOrdersApp, countOrders, createBusinessTable } from '../fixtures/idempotency/app.js';
import { holdGate } from '../fixtures/idempotency/gate.js';
import { migrateIdempotency } from '../fixtures/idempotency/migrate.js';
import { cleanupBackends, describeBackends, tempDir } from '../support/backends.js';

afterAll(cleanupBackends);

const T0 = 1_700_000_000_000;
const LEASE = 60_000;
const TTL = 86_400_000;

/** A business SQLite file for the Redis backend (the keys live in Redis). */
async function businessFor(store: Store): Promise<SqlStore> {
  if (store.kind !== 'redis') return store;
  const business = openStore(`sqlite:${path.join(tempDir(), 'business.db')}`) as SqlStore;
  return business;
}

describeBackends('idempotency over Fastify', ['sqlite', 'postgres', 'redis'], (backend) => {
  let store: Store;
  let business: SqlStore;
  const clock = { t: T0 };
  const apps: FastifyInstance[] = [];

  beforeAll(async () => {
    store = openStore(await backend.url());
    await migrateIdempotency(store);
    business = await businessFor(store);
    await createBusinessTable(business);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await store.close();
    await business.close();
  });

  async function build(
    idempotency: Partial<FastifyIdempotencyOptions> = {},
    gate?: (request: import('fastify').FastifyRequest) => Promise<void>,
  ) {
    clock.t = T0;
    const built = await buildOrdersApp({
      store,
      business,
      idempotency: { now: () => clock.t, ...idempotency },
      ...(gate ? { gate } : {}),
    });
    apps.push(built.app);
    return built;
  }

  const post = (
    app: FastifyInstance,
    key: string | string[] | undefined,
    body: unknown = { item: 'tea', qty: 2 },
    headers: Record<string, string> = {},
  ) =>
    app.inject({
      method: 'POST',
      url: '/orders',
      payload: body as object,
      headers: { ...(key === undefined ? {} : { 'idempotency-key': key }), ...headers },
    });

  it('runs the handler once and replays the stored response byte for byte', async () => {
    const { app, executions } = await build();
    const key = randomUUID();
    const rowsBefore = await countOrders(business);
    const first = await post(app, key);
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const replay = await post(app, key);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.rawPayload.equals(first.rawPayload)).toBe(true);
    expect(replay.headers['content-type']).toBe(first.headers['content-type']);
    expect(replay.headers.location).toBe(first.headers.location);
    // a header outside the allow-list is sent the first time only
    expect(first.headers['x-not-stored']).toBeDefined();
    expect(replay.headers['x-not-stored']).toBeUndefined();
    expect(executions()).toBe(1);
    expect(await countOrders(business)).toBe(rowsBefore + 1);
  });

  it('treats a quoted sf-string key and the same bare key as one key', async () => {
    const { app, executions } = await build();
    const key = `k-${randomUUID()}`;
    await post(app, `"${key}"`);
    const replay = await post(app, key);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const escaped = await post(app, `"a\\"b\\\\c-${key}"`);
    expect(escaped.statusCode).toBe(201);
    const escapedBare = await post(app, `a"b\\c-${key}`);
    expect(escapedBare.headers['idempotent-replayed']).toBe('true');
    expect(executions()).toBe(2);
  });

  it('answers 400 BW_IDEMPOTENCY_KEY_MISSING on a route that requires the key', async () => {
    const { app, executions } = await build();
    const response = await post(app, undefined);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ code: 'BW_IDEMPOTENCY_KEY_MISSING', status: 400 });
    expect(executions()).toBe(0);
    // a route that does not require it runs unprotected without a key
    const free = () => app.inject({ method: 'POST', url: '/notes', payload: {} });
    expect((await free()).statusCode).toBe(200);
    expect((await free()).statusCode).toBe(200);
    expect(executions()).toBe(2);
  });

  it.each([
    ['empty', ''],
    ['empty quoted', '""'],
    ['too long', 'k'.repeat(256)],
    ['too long quoted', `"${'k'.repeat(256)}"`],
    ['a space in a bare key', 'a b'],
    ['a comma-joined list', 'a,b'],
    ['a list of sf-strings', '"a", "b"'],
    ['non-ASCII', 'clé'],
    ['unterminated', '"abc'],
    ['a bad escape', '"a\\x"'],
    ['a control character', 'a\u0001b'],
    ['two header lines', ['a', 'b']],
  ])('answers 400 BW_IDEMPOTENCY_KEY_INVALID for %s', async (_name, key) => {
    const { app, executions } = await build();
    const response = await post(app, key);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'BW_IDEMPOTENCY_KEY_INVALID' });
    expect(executions()).toBe(0);
  });

  it('accepts 255 characters and a space inside a quoted key', async () => {
    const { app } = await build();
    expect((await post(app, 'k'.repeat(250) + randomUUID().slice(0, 5))).statusCode).toBe(201);
    expect((await post(app, `"a b ${randomUUID()}"`)).statusCode).toBe(201);
  });

  it('answers 422 BW_IDEMPOTENCY_KEY_MISMATCH for the same key with another request', async () => {
    const { app, executions } = await build();
    const key = randomUUID();
    await post(app, key, { item: 'tea', qty: 2 });
    const changed = await post(app, key, { item: 'tea', qty: 3 });
    expect(changed.statusCode).toBe(422);
    expect(changed.json()).toMatchObject({ code: 'BW_IDEMPOTENCY_KEY_MISMATCH', status: 422 });
    const version = await post(
      app,
      key,
      { item: 'tea', qty: 2 },
      { 'x-api-version': '2025-01-01' },
    );
    expect(version.statusCode).toBe(422);
    // key order does not change the canonical body: still a replay
    const reordered = await post(app, key, { qty: 2, item: 'tea' });
    expect(reordered.headers['idempotent-replayed']).toBe('true');
    expect(executions()).toBe(1);
  });

  it('scopes keys by tenant', async () => {
    const { app, executions } = await build();
    const key = randomUUID();
    expect((await post(app, key, {}, { 'x-tenant': 'a' })).statusCode).toBe(201);
    expect((await post(app, key, {}, { 'x-tenant': 'b' })).statusCode).toBe(201);
    expect(executions()).toBe(2);
  });

  it('answers 409 with Retry-After while the first request is in flight, then replays', async () => {
    const hold = holdGate();
    const { app, executions } = await build({}, hold.gate);
    const key = randomUUID();
    const first = post(app, key, undefined, { 'x-gate': 'hold' });
    await hold.entered;
    const busy = await post(app, key);
    expect(busy.statusCode).toBe(409);
    expect(busy.json()).toMatchObject({ code: 'BW_IDEMPOTENCY_IN_FLIGHT' });
    expect(busy.headers['retry-after']).toBe('60');
    clock.t = T0 + LEASE - 500;
    expect((await post(app, key)).headers['retry-after']).toBe('1');
    hold.release();
    const original = await first;
    expect(original.statusCode).toBe(201);
    const replay = await post(app, key);
    expect(replay.rawPayload.equals(original.rawPayload)).toBe(true);
    expect(executions()).toBe(1);
  });

  it('with waitMs, waits for the first request and answers its replay', async () => {
    const hold = holdGate();
    const { app, executions } = await build({ waitMs: 10_000 }, hold.gate);
    const key = randomUUID();
    const first = post(app, key, undefined, { 'x-gate': 'hold' });
    await hold.entered;
    const second = post(app, key);
    setTimeout(hold.release, 100);
    const [a, b] = await Promise.all([first, second]);
    expect(b.statusCode).toBe(201);
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(b.rawPayload.equals(a.rawPayload)).toBe(true);
    expect(executions()).toBe(1);
  });

  it('with a short waitMs, still answers 409 when the first does not finish', async () => {
    const hold = holdGate();
    const { app } = await build({ waitMs: 60 }, hold.gate);
    const key = randomUUID();
    const first = post(app, key, undefined, { 'x-gate': 'hold' });
    await hold.entered;
    expect((await post(app, key)).statusCode).toBe(409);
    hold.release();
    await first;
  });

  it('lets a retry claim after the lease ran out and fences the stale holder out', async () => {
    const registry = new Registry();
    const hold = holdGate();
    const { app, executions } = await build({ registry }, hold.gate);
    const key = randomUUID();
    const stale = post(app, key, undefined, { 'x-gate': 'hold' });
    await hold.entered;
    clock.t = T0 + LEASE; // the first holder's lease ran out (it looks dead)
    const takeover = await post(app, key);
    expect(takeover.statusCode).toBe(201);
    hold.release();
    const late = await stale;
    expect(late.statusCode).toBe(201); // it answers its own client ...
    const replay = await post(app, key);
    // ... but the stored response is the one that completed under a valid token
    expect(replay.rawPayload.equals(takeover.rawPayload)).toBe(true);
    expect(replay.rawPayload.equals(late.rawPayload)).toBe(false);
    expect(executions()).toBe(2);
    const metrics = await registry.getMetricsAsJSON();
    const value = (name: string, labels: Record<string, string>) =>
      metrics
        .find((m) => m.name === name)
        ?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
    expect(value('breakwater_idempotency_conflicts_total', { reason: 'lease_lost' })).toBe(1);
    expect(value('breakwater_idempotency_claims_total', { result: 'recovered' })).toBe(1);
    expect(value('breakwater_idempotency_replays_total', { route: '/orders' })).toBe(1);
  });

  it('runs a key anew once its TTL has passed', async () => {
    const { app, executions } = await build({ ttlMs: TTL });
    const key = randomUUID();
    const first = await post(app, key);
    clock.t = T0 + TTL - 1;
    expect((await post(app, key)).headers['idempotent-replayed']).toBe('true');
    clock.t = T0 + TTL;
    const again = await post(app, key);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(again.rawPayload.equals(first.rawPayload)).toBe(false);
    expect(executions()).toBe(2);
  });

  it('does not store a 5xx or a thrown error: the retry runs again', async () => {
    const { app, executions } = await build();
    const key = randomUUID();
    expect((await post(app, key, {}, { 'x-status': '503' })).statusCode).toBe(503);
    expect((await post(app, key, {}, { 'x-throw': '1' })).statusCode).toBe(500);
    const ok = await post(app, key, {});
    expect(ok.statusCode).toBe(201);
    expect(ok.headers['idempotent-replayed']).toBeUndefined();
    expect(executions()).toBe(3);
  });

  it('stores a 4xx by default, and follows storeStatus when given', async () => {
    const { app, executions } = await build();
    const key = randomUUID();
    await post(app, key, {}, { 'x-status': '404' });
    const replay = await post(app, key, {});
    expect(replay.statusCode).toBe(404);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(executions()).toBe(1);

    const custom = await build({ storeStatus: (status) => status === 201 });
    const other = randomUUID();
    await post(custom.app, other, {}, { 'x-status': '404' });
    expect((await post(custom.app, other, {})).headers['idempotent-replayed']).toBeUndefined();
    expect(custom.executions()).toBe(2);
  });

  it('takes the tenant and the metrics registry from a pipeline', async () => {
    const registry = new Registry();
    let tenantId = 'acme';
    const pipeline = { context: () => ({ tenantId }), metrics: { registry } };
    const { app, executions } = await build({ pipeline });
    const key = randomUUID();
    await post(app, key);
    tenantId = 'globex';
    await post(app, key);
    await post(app, key);
    expect(executions()).toBe(2);
    const text = await registry.metrics();
    expect(text).toContain(
      'breakwater_idempotency_claims_total{route="/orders",result="claimed"} 2',
    );
    expect(text).toContain('breakwater_idempotency_replays_total{route="/orders"} 1');
  });
});
