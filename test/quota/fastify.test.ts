import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { fastifyIdempotency } from '../../src/http/fastify-idempotency.js';
import { fastifyQuota, quotaUsageHandler } from '../../src/http/fastify-quota.js';
import { migrateBreakwater } from '../../src/migrate/index.js';
import { QUOTA_EXCEEDED_TYPE } from '../../src/quota/problem.js';
import { createQuotas, type Quotas } from '../../src/quota/quotas.js';
import { openStore } from '../../src/store/open.js';
import type { SqliteStore } from '../../src/store/types.js';
import { cleanupBackends, tempDir } from '../support/backends.js';
import { parseSfList } from './sf.js';

afterAll(cleanupBackends);

const DEFINITIONS = [
  { name: 'api_calls_per_hour', limit: 100, window: 'hour' as const },
  { name: 'recognitions_per_day', limit: 3, window: 'day' as const, timeZone: 'Europe/Berlin' },
  { name: 'recognitions_per_month', limit: 25, window: 'month' as const },
  { name: 'inflight', limit: 1, kind: 'concurrency' as const },
];
const CREATE = { api_calls_per_hour: 1, recognitions_per_day: 1, recognitions_per_month: 1 };

async function build(options: { idempotency?: 'before' | 'after'; quotas?: Quotas } = {}) {
  const clock = { t: Date.parse('2026-10-25T20:00:00Z') }; // 21:00 in Berlin, a 25-hour day
  const quotas =
    options.quotas ??
    createQuotas({ store: 'memory', definitions: DEFINITIONS, now: () => clock.t });
  const app = Fastify({ logger: false });
  let store: SqliteStore | undefined;
  const idempotency = async () => {
    store = openStore(`sqlite:${path.join(tempDir(), 'idem.db')}`) as SqliteStore;
    await migrateBreakwater(store);
    await app.register(fastifyIdempotency, {
      store,
      tenant: (r) => r.headers['x-org'] as string,
      sweeper: false,
    });
  };
  if (options.idempotency === 'before') await idempotency();
  await app.register(fastifyQuota, {
    quotas,
    key: (request) => request.headers['x-org'] as string | undefined,
    user: (request) => request.headers['x-user'] as string | undefined,
  });
  if (options.idempotency === 'after') await idempotency();
  let gate: Promise<void> | undefined;
  app.post(
    '/v1/recognitions',
    { config: { quota: CREATE, idempotency: true } },
    async (request, reply) => {
      const status = Number(request.headers['x-status'] ?? 201);
      if (request.headers['x-skip'] === '1') request.quotaSkip = true;
      if (status >= 500) throw new Error('handler failed');
      return reply.code(status).send({ ok: true, remaining: request.quota?.items[0]?.remaining });
    },
  );
  app.post('/slow', { config: { quota: ['inflight'] } }, async () => {
    await gate;
    return { ok: true };
  });
  app.get(
    '/v1/quota',
    quotaUsageHandler(quotas, { key: (r) => r.headers['x-org'] as string | undefined }),
  );
  await app.ready();
  const hold = () => {
    let open!: () => void;
    gate = new Promise((resolve) => {
      open = resolve;
    });
    return () => open();
  };
  return {
    app,
    quotas,
    clock,
    hold,
    close: async () => {
      await app.close();
      await store?.close();
    },
  };
}

const post = (app: FastifyInstance, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/v1/recognitions', headers: { 'x-org': 'acme', ...headers } });

async function used(quotas: Quotas, name: string): Promise<number> {
  const report = await quotas.usage({ organization: 'acme' });
  return report.quotas.find((q) => q.quota === name)?.used ?? Number.NaN;
}

describe('Fastify quota glue', () => {
  it('sends RateLimit and RateLimit-Policy on every governed response', async () => {
    const { app, close } = await build();
    const response = await post(app);
    expect(response.statusCode).toBe(201);
    const policy = parseSfList(String(response.headers['ratelimit-policy']));
    expect(policy.map((p) => [p.value, p.params.q, p.params.w])).toEqual([
      ['api_calls_per_hour', 100, 3600],
      ['recognitions_per_day', 3, 90_000], // 25 hours: the day the clocks go back
      ['recognitions_per_month', 25, 2_678_400], // October, UTC
    ]);
    const limits = parseSfList(String(response.headers.ratelimit));
    expect(limits[1]).toEqual({ value: 'recognitions_per_day', params: { r: 2, t: 3 * 3600 } });
    expect(response.json()).toMatchObject({ remaining: 99 });
    const ungoverned = await app.inject({
      method: 'GET',
      url: '/v1/quota',
      headers: { 'x-org': 'acme' },
    });
    expect(ungoverned.headers.ratelimit).toBeUndefined();
    await close();
  });

  it('answers 429 problem+json listing each violated policy, Retry-After >= its t', async () => {
    const { app, clock, close } = await build();
    for (let i = 0; i < 3; i++) expect((await post(app)).statusCode).toBe(201);
    clock.t += 1_800_000;
    const refused = await post(app);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = refused.json();
    expect(body).toMatchObject({
      type: QUOTA_EXCEEDED_TYPE,
      status: 429,
      code: 'BW_QUOTA_EXCEEDED',
      'violated-policies': ['recognitions_per_day'],
      policies: [{ policy: 'recognitions_per_day', limit: 3, used: 3, remaining: 0, reset: 9_000 }],
    });
    const t = parseSfList(String(refused.headers.ratelimit)).find(
      (l) => l.value === 'recognitions_per_day',
    )?.params.t;
    expect(t).toBe(9_000);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(t as number);
    // nothing was consumed by the refused request
    expect(parseSfList(String(refused.headers.ratelimit))[0]?.params.r).toBe(97);
    await close();
  });

  it('refunds a 5xx and a skipped request, not a 4xx', async () => {
    const { app, quotas, close } = await build();
    expect((await post(app, { 'x-status': '500' })).statusCode).toBe(500);
    expect(await used(quotas, 'recognitions_per_day')).toBe(0);
    const skipped = await post(app, { 'x-skip': '1' });
    expect(skipped.statusCode).toBe(201);
    expect(parseSfList(String(skipped.headers.ratelimit))[1]?.params.r).toBe(3);
    expect((await post(app, { 'x-status': '422' })).statusCode).toBe(422);
    expect(await used(quotas, 'recognitions_per_day')).toBe(1);
    await close();
  });

  for (const order of ['before', 'after'] as const) {
    it(`charges nothing for an idempotent replay (idempotency registered ${order})`, async () => {
      const { app, quotas, close } = await build({ idempotency: order });
      const key = { 'idempotency-key': `k-${order}` };
      const first = await post(app, key);
      const replay = await post(app, key);
      expect(first.statusCode).toBe(201);
      expect(replay.statusCode).toBe(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toBe(first.body);
      expect(await used(quotas, 'recognitions_per_day')).toBe(1);
      expect(await used(quotas, 'api_calls_per_hour')).toBe(1);
      await close();
    });
  }

  it('releases a concurrency slot when the response ends', async () => {
    const { app, hold, close } = await build();
    const open = hold();
    const first = app.inject({ method: 'POST', url: '/slow', headers: { 'x-org': 'acme' } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const busy = await app.inject({ method: 'POST', url: '/slow', headers: { 'x-org': 'acme' } });
    expect(busy.statusCode).toBe(429);
    expect(busy.json()['violated-policies']).toEqual(['inflight']);
    open();
    expect((await first).statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(
      (await app.inject({ method: 'POST', url: '/slow', headers: { 'x-org': 'acme' } })).statusCode,
    ).toBe(200);
    await close();
  });

  it('serves the caller usage on GET /v1/quota, and 401 without a caller', async () => {
    const { app, close } = await build();
    await post(app);
    const response = await app.inject({
      method: 'GET',
      url: '/v1/quota',
      headers: { 'x-org': 'acme' },
    });
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report.organization).toBe('acme');
    expect(
      report.quotas.find((q: { quota: string }) => q.quota === 'recognitions_per_day'),
    ).toMatchObject({
      used: 1,
      limit: 3,
      remaining: 2,
      resetAt: '2026-10-25T23:00:00.000Z',
    });
    const anonymous = await app.inject({ method: 'GET', url: '/v1/quota' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().code).toBe('BW_HTTP_UNAUTHORIZED');
    await close();
  });
});
