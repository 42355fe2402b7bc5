import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breakwaterFastify } from '../../src/http/fastify.js';
import { fastifyVersioning, versionRewriteUrl } from '../../src/http/fastify-versioning.js';
import { migrateBreakwater } from '../../src/migrate/own.js';
import { hashId } from '../../src/pipeline/hash.js';
import { openSqlite } from '../../src/store/sqlite.js';
import type { SqliteStore } from '../../src/store/types.js';
import { defineChange } from '../../src/versioning/change-module.js';
import {
  V1_DEPRECATION,
  V1_SUNSET,
  V2_MIGRATION_GUIDE,
} from '../../src/versioning/examples/recognitions.js';
import { versionPinStore } from '../../src/versioning/open.js';
import { defineVersions } from '../../src/versioning/version-set.js';
import { cleanupBackends, tempDir } from '../support/backends.js';
import {
  buildRecognitionsApp,
  HASH_SECRET,
  quietPipeline,
  type RecognitionsAppOptions,
} from './fixtures/recognitions-app.js';
import { parseImfFixdate, parseLinkHeader, parseSfDate } from './fixtures/rfc-parsers.js';

afterAll(cleanupBackends);

const ADA = { authorization: 'Bearer org_acme:usr_ada' };
const GRACE = { authorization: 'Bearer org_acme:usr_grace' };
const BEFORE_SUNSET = Date.UTC(2026, 10, 22);
const AFTER_SUNSET = Date.parse(V1_SUNSET) + 60_000;

let store: SqliteStore;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  store = openSqlite(path.join(tempDir(), 'state.db'));
  await migrateBreakwater(store); // idempotency keys and version pins
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await store.close();
});

async function build(options: Partial<RecognitionsAppOptions> = {}) {
  let runs = 0;
  const app = await buildRecognitionsApp({
    store,
    onHandler: () => runs++,
    ...options,
    versioning: { now: () => BEFORE_SUNSET, pinCacheTtlMs: 0, ...options.versioning },
  });
  apps.push(app);
  return { app, runs: () => runs };
}

const create = (
  app: FastifyInstance,
  url: string,
  payload: object,
  headers: Record<string, string> = {},
) => app.inject({ method: 'POST', url, payload, headers: { ...ADA, ...headers } });

const read = (app: FastifyInstance, url: string, headers: Record<string, string> = ADA) =>
  app.inject({ method: 'GET', url, headers });

const V1_KEYS = ['id', 'from', 'to', 'message', 'badges', 'createdAt'];
const V2_KEYS = ['id', 'from', 'to', 'text', 'badges', 'createdAt'];

function expectV1(response: LightMyRequestResponse, fields: Record<string, unknown> = {}) {
  const body = response.json() as Record<string, unknown>;
  expect(Object.keys(body)).toEqual(V1_KEYS);
  expect(typeof body.from).toBe('string');
  expect(body).toMatchObject(fields);
  expect(response.headers['api-version']).toBe('v1');
  return body;
}

function expectV2(response: LightMyRequestResponse, fields: Record<string, unknown> = {}) {
  const body = response.json() as Record<string, unknown>;
  expect(Object.keys(body)).toEqual(V2_KEYS);
  expect(body.from).toEqual({ id: expect.any(String), name: expect.any(String) });
  expect(body).toMatchObject(fields);
  expect(response.headers['api-version']).toBe('v2');
  return body;
}

describe('one v2 handler serving v1 and v2 clients', () => {
  it('lets a v1 and a v2 client create and read the same recognitions, each in its shape', async () => {
    const { app, runs } = await build();
    const v1Created = await create(app, '/v1/recognitions', {
      to: 'usr_grace',
      message: 'Thanks for the review!',
      badges: ['teamwork'],
    });
    expect(v1Created.statusCode).toBe(201);
    const fromV1 = expectV1(v1Created, {
      from: 'usr_ada',
      to: 'usr_grace',
      message: 'Thanks for the review!',
      badges: ['teamwork'],
    });
    expect(v1Created.headers.location).toBe(`/v1/recognitions/${fromV1.id}`);

    const v2Created = await create(
      app,
      '/v2/recognitions',
      { to: 'usr_ada', text: 'Great talk', from: { id: 'usr_grace' } },
      GRACE,
    );
    expect(v2Created.statusCode).toBe(201);
    const fromV2 = expectV2(v2Created, {
      from: { id: 'usr_grace', name: 'Grace Hopper' },
      text: 'Great talk',
    });

    // each reads the other's recognition, in its own shape
    expectV2(await read(app, `/v2/recognitions/${fromV1.id}`), {
      from: { id: 'usr_ada', name: 'Ada Lovelace' },
      text: 'Thanks for the review!',
      createdAt: fromV1.createdAt,
    });
    expectV1(await read(app, `/v1/recognitions/${fromV2.id}`), {
      from: 'usr_grace',
      message: 'Great talk',
    });
    // the bare path with the header or the query parameter, and a v1 `from` upgraded
    expectV1(await read(app, `/recognitions/${fromV2.id}`, { ...ADA, 'api-version': '1' }));
    expectV1(await read(app, `/recognitions/${fromV2.id}?api_version=v1`));
    expectV2(await read(app, `/recognitions/${fromV2.id}`, { ...ADA, 'x-api-version': 'v2' }));
    const sentBy = await create(app, '/v1/recognitions', {
      to: 'usr_ada',
      message: 'On behalf of Grace',
      from: 'usr_grace',
    });
    expectV1(sentBy, { from: 'usr_grace' });
    expect(runs()).toBe(8);
  });

  it.each([
    ['idempotency first', false],
    ['versioning first', true],
  ])(
    'replays an idempotent request in the caller version, across versions too (%s)',
    async (_order, versioningFirst) => {
      const { app, runs } = await build({ versioningFirst });
      const key = randomUUID();
      const first = await create(
        app,
        '/v1/recognitions',
        { to: 'usr_grace', message: 'once' },
        { 'idempotency-key': key },
      );
      expect(first.statusCode).toBe(201);
      const created = expectV1(first, { message: 'once' });
      const replay = await create(
        app,
        '/v1/recognitions',
        { to: 'usr_grace', message: 'once' },
        { 'idempotency-key': key },
      );
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.statusCode).toBe(201);
      expect(replay.body).toBe(first.body);
      expect(replay.headers.deprecation).toBe(first.headers.deprecation);
      // the same request sent as v2: the stored (newest-version) response, in v2
      const asV2 = await create(
        app,
        '/v2/recognitions',
        { to: 'usr_grace', text: 'once' },
        { 'idempotency-key': key },
      );
      expect(asV2.headers['idempotent-replayed']).toBe('true');
      expectV2(asV2, {
        id: created.id,
        text: 'once',
        from: { id: 'usr_ada', name: 'Ada Lovelace' },
      });
      expect(asV2.headers.deprecation).toBeUndefined();
      expect(runs()).toBe(1);

      // a stored error is replayed in the caller's version too
      const errorKey = randomUUID();
      const refused = await create(
        app,
        '/v1/recognitions',
        { to: 'usr_grace', message: 'x', from: 'usr_nobody' },
        { 'idempotency-key': errorKey },
      );
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({
        field: 'body/from',
        detail: 'body/from is not a user',
      });
      const refusedAgain = await create(
        app,
        '/v1/recognitions',
        { to: 'usr_grace', message: 'x', from: 'usr_nobody' },
        { 'idempotency-key': errorKey },
      );
      expect(refusedAgain.headers['idempotent-replayed']).toBe('true');
      expect(refusedAgain.json()).toMatchObject({ field: 'body/from' });
      const refusedV2 = await create(
        app,
        '/v2/recognitions',
        { to: 'usr_grace', text: 'x', from: { id: 'usr_nobody' } },
        { 'idempotency-key': errorKey },
      );
      expect(refusedV2.headers['idempotent-replayed']).toBe('true');
      expect(refusedV2.json()).toMatchObject({ field: 'body/from/id' });
      expect(runs()).toBe(2);
    },
  );

  it('refuses a cross-version retry with 422 when the API version is part of the fingerprint', async () => {
    const { app, runs } = await build({
      idempotency: { apiVersion: (request) => request.apiVersion?.version },
    });
    const key = randomUUID();
    const headers = { 'idempotency-key': key };
    expect(
      (await create(app, '/v1/recognitions', { to: 'usr_grace', message: 'm' }, headers))
        .statusCode,
    ).toBe(201);
    const replay = await create(
      app,
      '/v1/recognitions',
      { to: 'usr_grace', message: 'm' },
      headers,
    );
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const asV2 = await create(app, '/v2/recognitions', { to: 'usr_grace', text: 'm' }, headers);
    expect(asV2.statusCode).toBe(422);
    expect(asV2.json()).toMatchObject({ code: 'BW_IDEMPOTENCY_KEY_MISMATCH' });
    expect(runs()).toBe(1);
  });

  it('answers errors in the caller version', async () => {
    const { app, runs } = await build();
    const v1 = await create(app, '/v1/recognitions', { to: 'usr_grace', message: '' });
    expect(v1.statusCode).toBe(400);
    expect(v1.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(v1.json()).toMatchObject({
      code: 'BW_HTTP_VALIDATION',
      field: 'body/message',
      detail: 'body/message must NOT have fewer than 1 characters',
    });
    expect(v1.headers.deprecation).toBeDefined();
    const v2 = await create(app, '/v2/recognitions', { to: 'usr_grace', text: '' });
    expect(v2.json()).toMatchObject({ field: 'body/text' });
    const missing = await create(app, '/v1/recognitions', { to: 'usr_grace' });
    expect(missing.json()).toMatchObject({ field: 'body/message' });
    // an error the handler throws, and one the auth hook throws before resolution
    const notFound = await read(app, '/v1/recognitions/rec_nope');
    expect(notFound.statusCode).toBe(404);
    expect(notFound.headers['api-version']).toBe('v1');
    const unauthorized = await read(app, '/v1/recognitions/rec_nope', {});
    expect(unauthorized.statusCode).toBe(401);
    expect(unauthorized.headers['api-version']).toBe('v1');
    expect(unauthorized.headers.sunset).toBeDefined();
    expect(runs()).toBe(1);
  });

  it('answers 400 listing the supported versions for an unknown or malformed one', async () => {
    const { app, runs } = await build();
    for (const [url, headers] of [
      ['/v3/recognitions/rec_x', ADA],
      ['/v1x/recognitions/rec_x', ADA],
      ['/recognitions/rec_x?api_version=latest', ADA],
      ['/recognitions/rec_x?api_version=1&api_version=2', ADA],
      ['/recognitions/rec_x', { ...ADA, 'api-version': 'v1', 'x-api-version': 'v2' }],
      ['/recognitions/rec_x', { ...ADA, 'api-version': '' }],
    ] as const) {
      const response = await read(app, url, headers);
      expect(response.statusCode, url).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({
        code: 'BW_VERSION_UNKNOWN',
        status: 400,
        supportedVersions: ['v1', 'v2'],
      });
    }
    expect(runs()).toBe(0);
  });

  it('announces deprecation and sunset on v1 only, in RFC syntax, beside existing links', async () => {
    const { app } = await build();
    const created = expectV1(
      await create(app, '/v1/recognitions', { to: 'usr_grace', message: 'a' }),
    );
    const v1 = await read(app, `/v1/recognitions/${created.id}`);
    expect(parseSfDate(v1.headers.deprecation as string)).toBe(Date.parse(V1_DEPRECATION) / 1000);
    expect(parseImfFixdate(v1.headers.sunset as string)).toBe(Date.parse(V1_SUNSET));
    expect(parseLinkHeader(v1.headers.link as string)).toEqual([
      { uri: `/v1/recognitions/${created.id}`, params: { rel: 'self' } },
      { uri: V2_MIGRATION_GUIDE, params: { rel: 'deprecation' } },
      { uri: V2_MIGRATION_GUIDE, params: { rel: 'sunset' } },
    ]);
    expect(v1.headers.vary).toBe('API-Version, X-API-Version');
    const v2 = await read(app, `/v2/recognitions/${created.id}`);
    expect(v2.headers.deprecation).toBeUndefined();
    expect(v2.headers.sunset).toBeUndefined();
    expect(parseLinkHeader(v2.headers.link as string)).toHaveLength(1);
    // HEAD: the same headers, and the length of the v1 body
    const head = await app.inject({
      method: 'HEAD',
      url: `/v1/recognitions/${created.id}`,
      headers: ADA,
    });
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(v1.body)));
    expect(head.headers.deprecation).toBe(v1.headers.deprecation);
  });

  it('refuses v1 after its sunset with a 410, or keeps serving it when configured', async () => {
    const { app, runs } = await build({ versioning: { now: () => AFTER_SUNSET } });
    const gone = await create(app, '/v1/recognitions', { to: 'usr_grace', message: 'late' });
    expect(gone.statusCode).toBe(410);
    expect(gone.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(gone.json()).toMatchObject({
      code: 'BW_VERSION_SUNSET',
      supportedVersions: ['v2'],
      sunset: '2027-06-01',
    });
    expect(parseImfFixdate(gone.headers.sunset as string)).toBe(Date.parse(V1_SUNSET));
    expect(runs()).toBe(0);
    const unknown = await read(app, '/v9/recognitions/x');
    expect(unknown.json()).toMatchObject({ supportedVersions: ['v2'] });
    expect(
      (await create(app, '/v2/recognitions', { to: 'usr_grace', text: 'ok' })).statusCode,
    ).toBe(201);

    const lenient = await build({
      versioning: { now: () => AFTER_SUNSET, afterSunset: 'serve' },
    });
    const served = await create(lenient.app, '/v1/recognitions', { to: 'usr_grace', message: 'x' });
    expect(served.statusCode).toBe(201);
    expectV1(served);
    expect(served.headers.sunset).toBeDefined();
  });

  it('pins an organization on its first request and follows a moved pin', async () => {
    const { app } = await build();
    const pins = versionPinStore(store);
    const globex = { authorization: 'Bearer org_globex:usr_alan' };
    const first = await create(app, '/recognitions', { to: 'usr_alan', text: 'self' }, globex);
    expectV2(first);
    expect((await pins.getPin('org_globex'))?.version).toBe('v2');
    await pins.setPin('org_globex', 'v1');
    const id = (first.json() as { id: string }).id;
    expectV1(await read(app, `/recognitions/${id}`, globex));
    expectV2(await read(app, `/recognitions/${id}`, { ...globex, 'api-version': '2' }));
    await pins.setPin('org_globex', 'v2');
    expectV2(await read(app, `/recognitions/${id}`, globex));
  });

  it('leaves a route with versioning: false alone', async () => {
    const { app } = await build();
    const response = await app.inject({
      method: 'GET',
      url: '/status',
      headers: { ...ADA, 'api-version': 'garbage' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['api-version']).toBeUndefined();
  });

  it('exports requests per version and per hashed organization on /metrics', async () => {
    const pipeline = quietPipeline();
    const { app } = await build({ pipeline });
    await create(app, '/v1/recognitions', { to: 'usr_grace', message: 'a' });
    await create(app, '/v1/recognitions', { to: 'usr_grace', message: 'b' });
    await create(app, '/v2/recognitions', { to: 'usr_grace', text: 'c' });
    await read(app, '/v7/recognitions/x');
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const org = hashId(HASH_SECRET, 'org_acme');
    expect(metrics).toContain(
      'breakwater_api_version_requests_total{version="v1",source="path"} 2',
    );
    expect(metrics).toContain(
      'breakwater_api_version_requests_total{version="v2",source="path"} 1',
    );
    expect(metrics).toContain(
      `breakwater_api_version_org_requests_total{version="v1",org="${org}"} 2`,
    );
    expect(metrics).not.toMatch(/org_requests_total\{version="v2"/);
    expect(metrics).toContain('breakwater_api_version_rejections_total{reason="invalid"} 1');
    expect(metrics).not.toContain('org_acme');
  });

  it('works over a real socket', async () => {
    const { app } = await build();
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const response = await fetch(`${url}/v1/recognitions`, {
      method: 'POST',
      headers: { ...ADA, 'content-type': 'application/json' },
      body: JSON.stringify({ to: 'usr_grace', message: 'over TCP' }),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ from: 'usr_ada', message: 'over TCP' });
    expect(response.headers.get('deprecation')).toMatch(/^@\d+$/);
  });
});

describe('a change module that throws', () => {
  it('answers a 500 problem instead of sending the newest shape to an older caller', async () => {
    const versions = defineVersions({
      versions: ['v1', 'v2'],
      changes: [
        defineChange({
          version: 'v2',
          description: 'broken on purpose',
          routes: ['GET /things'],
          downgradeResponse: () => {
            throw new Error('SECRET module detail');
          },
        }),
      ],
    });
    const pipeline = quietPipeline();
    const app = Fastify({ logger: false, rewriteUrl: versionRewriteUrl });
    apps.push(app);
    await app.register(breakwaterFastify, { pipeline });
    await app.register(fastifyVersioning, { versions, pipeline });
    app.get('/things', async () => ({ shape: 'v2' }));
    const v1 = await app.inject({ method: 'GET', url: '/things', headers: { 'api-version': '1' } });
    expect(v1.statusCode).toBe(500);
    expect(v1.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(v1.json()).toMatchObject({ code: 'BW_VERSIONING_CONFIG', status: 500 });
    expect(v1.body).not.toContain('SECRET');
    expect(v1.body).not.toContain('"shape"');
    const prefixed = await app.inject({ method: 'GET', url: '/v1/things?debug=1' });
    expect(prefixed.json()).toMatchObject({ code: 'BW_VERSIONING_CONFIG', instance: '/v1/things' });
    const v2 = await app.inject({ method: 'GET', url: '/things' });
    expect(v2.json()).toEqual({ shape: 'v2' });
  });
});

describe('per-route lifecycles and resource-based modules', () => {
  const versions = defineVersions({
    versions: ['v1', 'v2', 'v3'],
    changes: [
      defineChange<{ newResponse: { amountCents: number }; oldResponse: { amount: number } }>({
        version: 'v2',
        description: 'Money is in cents.',
        resources: ['invoice'],
        downgradeResponse: ({ amountCents, ...rest }) => ({ ...rest, amount: amountCents / 100 }),
      }),
    ],
    routes: [
      {
        route: 'GET /reports',
        versions: ['v1', 'v2'],
        deprecation: '2026-01-01',
        sunset: '2026-06-01',
        sunsetLink: 'https://docs.test/reports-gone',
      },
    ],
  });

  async function app(now: number) {
    const instance = Fastify({ logger: false, rewriteUrl: versionRewriteUrl });
    apps.push(instance);
    const pipeline = quietPipeline();
    await instance.register(breakwaterFastify, { pipeline });
    await instance.register(fastifyVersioning, { versions, pipeline, now: () => now });
    instance.get(
      '/invoices/:id',
      { config: { versioning: { resources: ['invoice'] } } },
      async () => ({ id: 'inv_1', amountCents: 1250 }),
    );
    instance.get('/reports', async () => ({ rows: [] }));
    return instance;
  }

  it('converts routes that declare a resource the module names', async () => {
    const instance = await app(Date.UTC(2025, 0, 1));
    const v1 = await instance.inject({ method: 'GET', url: '/v1/invoices/inv_1' });
    expect(v1.json()).toEqual({ id: 'inv_1', amount: 12.5 });
    const v3 = await instance.inject({ method: 'GET', url: '/v3/invoices/inv_1' });
    expect(v3.json()).toEqual({ id: 'inv_1', amountCents: 1250 });
  });

  it('deprecates one route in some versions, and answers 410 there after its sunset', async () => {
    const before = await app(Date.UTC(2026, 2, 1));
    const v2 = await before.inject({ method: 'GET', url: '/v2/reports' });
    expect(v2.statusCode).toBe(200);
    expect(parseSfDate(v2.headers.deprecation as string)).toBe(Date.UTC(2026, 0, 1) / 1000);
    expect(parseLinkHeader(v2.headers.link as string)).toEqual([
      { uri: 'https://docs.test/reports-gone', params: { rel: 'sunset' } },
    ]);
    const v3 = await before.inject({ method: 'GET', url: '/v3/reports' });
    expect(v3.headers.deprecation).toBeUndefined();
    // other routes of the same version carry nothing
    const invoices = await before.inject({ method: 'GET', url: '/v2/invoices/inv_1' });
    expect(invoices.headers.deprecation).toBeUndefined();

    const after = await app(Date.UTC(2026, 5, 1));
    const gone = await after.inject({ method: 'GET', url: '/v1/reports' });
    expect(gone.statusCode).toBe(410);
    expect(gone.json()).toMatchObject({
      code: 'BW_VERSION_SUNSET',
      detail: 'GET /reports was sunset on 2026-06-01 for API version v1.',
      supportedVersions: ['v1', 'v2', 'v3'],
    });
    expect((await after.inject({ method: 'GET', url: '/v3/reports' })).statusCode).toBe(200);
    expect((await after.inject({ method: 'GET', url: '/v1/invoices/x' })).statusCode).toBe(200);
  });
});

describe('routes registered under each version prefix (no rewriteUrl)', () => {
  it('matches modules without the prefix and reads the version from it', async () => {
    const versions = defineVersions({
      versions: ['v1', 'v2'],
      changes: [
        defineChange<{ newResponse: { name: string }; oldResponse: { title: string } }>({
          version: 'v2',
          description: 'title becomes name',
          routes: ['GET /things/:id'],
          downgradeResponse: ({ name }) => ({ title: name }),
        }),
      ],
    });
    const app = Fastify({ logger: false });
    apps.push(app);
    const pipeline = quietPipeline();
    await app.register(breakwaterFastify, { pipeline });
    await app.register(fastifyVersioning, { versions, pipeline });
    const routes = async (api: FastifyInstance) => {
      api.get('/things/:id', async () => ({ name: 'kettle' }));
    };
    await app.register(routes, { prefix: '/v1' });
    await app.register(routes, { prefix: '/v2' });
    const v1 = await app.inject({ method: 'GET', url: '/v1/things/1' });
    expect(v1.json()).toEqual({ title: 'kettle' });
    expect(v1.headers['api-version']).toBe('v1');
    expect((await app.inject({ method: 'GET', url: '/v2/things/1' })).json()).toEqual({
      name: 'kettle',
    });
    // the path wins over a header; an unknown prefix has no route
    const mixed = await app.inject({
      method: 'GET',
      url: '/v1/things/1',
      headers: { 'api-version': '2' },
    });
    expect(mixed.json()).toEqual({ title: 'kettle' });
    expect((await app.inject({ method: 'GET', url: '/v3/things/1' })).statusCode).toBe(404);
  });
});
