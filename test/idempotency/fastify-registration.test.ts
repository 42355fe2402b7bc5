import path from 'node:path';
import { Readable } from 'node:stream';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCode } from '../../src/errors/breakwater-error.js';
import { errors } from '../../src/errors/registry.js';
import { fastifyIdempotency } from '../../src/http/fastify-idempotency.js';
import { idempotencyStore } from '../../src/idempotency/open.js';
import { openStore } from '../../src/store/open.js';
import type { SqliteStore } from '../../src/store/types.js';
import { migrateIdempotency } from '../fixtures/idempotency/migrate.js';
import { cleanupBackends, tempDir, unavailableReason } from '../support/backends.js';

afterAll(cleanupBackends);

describe('the Fastify plugin: registration and edge cases', () => {
  let store: SqliteStore;
  beforeAll(async () => {
    store = openStore(`sqlite:${path.join(tempDir(), 'state.db')}`) as SqliteStore;
    await migrateIdempotency(store);
  });
  afterAll(() => store.close());

  const call = (app: ReturnType<typeof Fastify>, url: string, key: string, headers = {}) =>
    app.inject({
      method: 'POST',
      url,
      payload: {},
      headers: { 'idempotency-key': key, ...headers },
    });

  it('protects routes declared before the plugin loaded (register not awaited)', async () => {
    const app = Fastify();
    let runs = 0;
    app.post('/early', { config: { idempotency: true } }, async () => ({ run: ++runs }));
    app.register(fastifyIdempotency, { store, sweeper: false });
    app.post('/late', { config: { idempotency: true } }, async () => ({ run: ++runs }));
    for (const url of ['/early', '/late']) {
      const first = await call(app, url, `k${url}`);
      const again = await call(app, url, `k${url}`);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toBe(first.body);
    }
    expect(runs).toBe(2);
    await app.close();
  });

  it('claims after app-level preHandlers, so a request refused by auth leaves the key free', async () => {
    const app = Fastify();
    await app.register(fastifyIdempotency, { store, sweeper: false });
    app.addHook('preHandler', async (request, reply) => {
      if (request.headers.authorization !== 'Bearer ok') return reply.code(401).send({ no: 1 });
    });
    let runs = 0;
    app.post('/orders', { config: { idempotency: { required: true } } }, async () => ({
      run: ++runs,
    }));
    expect((await call(app, '/orders', 'auth-key')).statusCode).toBe(401);
    const ok = await call(app, '/orders', 'auth-key', { authorization: 'Bearer ok' });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['idempotent-replayed']).toBeUndefined();
    expect(runs).toBe(1);
    await app.close();
  });

  it('refuses invalid route options when the route is declared', async () => {
    const app = Fastify();
    await app.register(fastifyIdempotency, { store, sweeper: false });
    let error: unknown;
    try {
      app.post('/bad', { config: { idempotency: { leaseMs: -1 } } }, async () => ({}));
    } catch (e) {
      error = e;
    }
    expect(hasCode(error, errors.CONFIG_INVALID)).toBe(true);
    expect((error as Error).message).toContain('leaseMs');
    await app.close();
  });

  it.skipIf(unavailableReason('redis') !== undefined)(
    'answers request.idempotency.transaction with a clear error on Redis (skipped: no Redis)',
    async () => {
      const redis = openStore('redis://127.0.0.1:6379/0?prefix=bw_t_unused:');
      const app = Fastify();
      await app.register(fastifyIdempotency, { store: redis, sweeper: false });
      app.post('/tx', { config: { idempotency: true } }, async (request, reply) => {
        await request.idempotency?.transaction(() => ({ body: {} }));
        return reply;
      });
      const response = await app.inject({ method: 'POST', url: '/tx', payload: {} });
      expect(response.statusCode).toBe(500);
      expect(response.json()).toMatchObject({ code: 'BW_STORE_UNSUPPORTED' });
      await app.close();
      await redis.close();
    },
  );

  it('runs the sweeper while the server is up and stops it on close', async () => {
    const now = 1_700_000_000_000;
    store.db
      .prepare(
        `INSERT INTO breakwater_idempotency_keys (scope_id, tenant, method, route, idempotency_key,
          fingerprint, state, token, expires_at, created_at) VALUES ('old', '', 'POST', '/', 'k',
          'fp', 'completed', 't', ?, ?)`,
      )
      .run(now - 1, now - 2);
    const app = Fastify();
    await app.register(fastifyIdempotency, { store, now: () => now, sweeper: { intervalMs: 10 } });
    await app.ready();
    const left = () =>
      store.db
        .prepare("SELECT count(*) AS n FROM breakwater_idempotency_keys WHERE scope_id = 'old'")
        .get() as { n: number };
    await expect.poll(() => left().n, { timeout: 5_000 }).toBe(0);
    await app.close();
  });

  it('sends the response when storing it fails; the key stays in flight until its lease ends', async () => {
    const working = idempotencyStore(store);
    const failing = { ...working, complete: () => Promise.reject(new Error('store went away')) };
    const registry = new Registry();
    const logs: string[] = [];
    const app = Fastify({
      logger: { level: 'warn', stream: { write: (l: string) => logs.push(l) } },
    });
    await app.register(fastifyIdempotency, { store: failing, registry, sweeper: false });
    let runs = 0;
    app.post('/orders', { config: { idempotency: true } }, async () => ({ run: ++runs }));
    const first = await call(app, '/orders', 'complete-fails');
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ run: 1 });
    expect((await call(app, '/orders', 'complete-fails')).statusCode).toBe(409);
    expect(runs).toBe(1);
    expect(await registry.metrics()).toContain(
      'breakwater_idempotency_store_errors_total{operation="complete"} 1',
    );
    expect(logs.some((line) => line.includes('could not store the response'))).toBe(true);
    await app.close();
  });

  it('does not store a streamed response: the key is released and the retry runs', async () => {
    const app = Fastify({ logger: false });
    await app.register(fastifyIdempotency, { store, sweeper: false });
    let runs = 0;
    app.post('/export', { config: { idempotency: true } }, async (_request, reply) => {
      runs++;
      return reply.type('text/plain').send(Readable.from(['a', 'b']));
    });
    const first = await call(app, '/export', 'stream-key');
    expect(first.body).toBe('ab');
    const again = await call(app, '/export', 'stream-key');
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(runs).toBe(2);
    await app.close();
  });
});
