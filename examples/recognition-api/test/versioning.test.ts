import { afterAll, beforeAll, expect, it } from 'vitest';
import { V1_SUNSET, V2_MIGRATION_GUIDE } from '../../../src/versioning/examples/recognitions.js';
import { cleanupBackends, describeBackends } from '../../../test/support/backends.js';
import { newRecognitionId } from '../src/recognition.js';
import { bearer, problemOf, testApp } from './app-fixture.js';

afterAll(cleanupBackends);

const V1_SHAPE = {
  id: expect.stringMatching(/^rec_/),
  from: expect.any(String),
  to: expect.any(String),
  message: expect.any(String),
  badges: expect.any(Array),
  createdAt: expect.any(String),
};

/**
 * One set of handlers (written for v2) serves v1 and v2 clients, each in its own shape:
 * v2 has `text` and `from: { id, name }`, v1 `message` and `from: "<id>"`.
 */
describeBackends('recognitions in v1 and v2', ['sqlite', 'postgres'], (backend) => {
  let fixture: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    fixture = await testApp({ url: await backend.url() });
  });
  afterAll(() => fixture?.close());

  const send = (method: 'GET' | 'POST', url: string, payload?: object, headers = {}) =>
    fixture.app.inject({
      method,
      url,
      headers: { ...bearer(), ...headers },
      ...(payload ? { payload } : {}),
    });

  it('lets a v1 and a v2 client create and read the same recognitions, each in its shape', async () => {
    const v1 = await send('POST', '/v1/recognitions', {
      to: 'usr_alan',
      from: 'usr_grace',
      message: 'from a v1 client',
    });
    expect(v1.statusCode).toBe(201);
    expect(v1.json()).toEqual({ ...V1_SHAPE, from: 'usr_grace', message: 'from a v1 client' });
    expect(v1.headers.location).toBe(`/v1/recognitions/${v1.json().id}`);
    expect(v1.headers['api-version']).toBe('v1');
    expect(v1.headers.deprecation).toMatch(/^@\d+$/);
    expect(v1.headers.sunset).toBe(new Date(V1_SUNSET).toUTCString());
    expect(v1.headers.link).toContain(`<${V2_MIGRATION_GUIDE}>; rel="deprecation"`);

    const v2 = await send('POST', '/v2/recognitions', {
      to: 'usr_alan',
      from: { id: 'usr_katherine' },
      text: 'from a v2 client',
      badges: ['v2'],
    });
    expect(v2.statusCode).toBe(201);
    expect(v2.json()).toEqual({
      id: expect.stringMatching(/^rec_/),
      from: { id: 'usr_katherine', name: 'Katherine Johnson' },
      to: 'usr_alan',
      text: 'from a v2 client',
      badges: ['v2'],
      createdAt: expect.any(String),
    });
    expect(v2.headers.location).toBe(`/v2/recognitions/${v2.json().id}`);
    expect(v2.headers['api-version']).toBe('v2');
    expect(v2.headers.deprecation).toBeUndefined();
    expect(v2.headers.sunset).toBeUndefined();

    // Each reads the other's recognition in its own shape.
    const v1Reads = await send('GET', `/v1/recognitions/${v2.json().id}`);
    expect(v1Reads.json()).toEqual({
      ...v2.json(),
      from: 'usr_katherine',
      text: undefined,
      message: 'from a v2 client',
    });
    expect(Object.keys(v1Reads.json())).not.toContain('text');
    const v2Reads = await send('GET', `/v2/recognitions/${v1.json().id}`);
    expect(v2Reads.json()).toMatchObject({
      from: { id: 'usr_grace', name: 'Grace Hopper' },
      text: 'from a v1 client',
    });
    expect(Object.keys(v2Reads.json())).not.toContain('message');

    // Lists too; the bare path takes the version from API-Version.
    const v1List = (await send('GET', '/v1/recognitions?to=usr_alan')).json();
    const v2List = (
      await send('GET', '/recognitions?to=usr_alan', undefined, { 'api-version': '2' })
    ).json();
    expect(v1List.data.map((r: { message: string }) => r.message)).toEqual([
      'from a v2 client',
      'from a v1 client',
    ]);
    expect(v2List.data.map((r: { from: { name: string } }) => r.from.name)).toEqual([
      'Katherine Johnson',
      'Grace Hopper',
    ]);
  });

  it('replays an idempotent retry in the caller’s version, whichever version created it', async () => {
    const headers = { 'idempotency-key': 'versioned-retry' };
    const first = await send(
      'POST',
      '/v1/recognitions',
      { to: 'usr_grace', message: 'once' },
      headers,
    );
    expect(first.statusCode).toBe(201);
    const v1Again = await send(
      'POST',
      '/v1/recognitions',
      { to: 'usr_grace', message: 'once' },
      headers,
    );
    expect(v1Again.headers['idempotent-replayed']).toBe('true');
    expect(v1Again.body).toBe(first.body);
    expect(v1Again.headers.deprecation).toBe(first.headers.deprecation);

    const v2Again = await send(
      'POST',
      '/v2/recognitions',
      { to: 'usr_grace', text: 'once' },
      headers,
    );
    expect(v2Again.statusCode).toBe(201);
    expect(v2Again.headers['idempotent-replayed']).toBe('true');
    expect(v2Again.headers['api-version']).toBe('v2');
    expect(v2Again.json()).toEqual({
      ...first.json(),
      from: { id: 'usr_ada', name: 'Ada Lovelace' },
      message: undefined,
      text: 'once',
    });

    const mismatch = await send(
      'POST',
      '/v2/recognitions',
      { to: 'usr_grace', text: 'twice' },
      headers,
    );
    expect(mismatch.statusCode).toBe(422);
    expect(mismatch.headers['api-version']).toBe('v2');
  });

  it('names the field of a bad request in the caller’s version', async () => {
    const v1 = await send('POST', '/v1/recognitions', { to: 'usr_grace', message: '' });
    expect(v1.statusCode).toBe(400);
    expect(problemOf(v1)).toMatchObject({ field: 'body/message', code: 'BW_HTTP_VALIDATION' });
    expect(problemOf(v1).detail).toContain('body/message');
    const v2 = await send('POST', '/v2/recognitions', { to: 'usr_grace', text: '' });
    expect(problemOf(v2)).toMatchObject({ field: 'body/text' });

    const v1From = await send('POST', '/v1/recognitions', {
      to: 'usr_grace',
      from: 'usr_hank',
      message: 'x',
    });
    expect(problemOf(v1From).field).toBe('body/from');
    const v2From = await send('POST', '/v2/recognitions', {
      to: 'usr_grace',
      from: { id: 'usr_hank' },
      text: 'x',
    });
    expect(problemOf(v2From).field).toBe('body/from/id');
    const v2Old = await send('POST', '/v2/recognitions', { to: 'usr_grace', message: 'v1 body' });
    expect(v2Old.statusCode).toBe(400);
  });

  it('names the URL the client called, version prefix included, as the problem instance', async () => {
    const missing = `/v1/recognitions/${newRecognitionId()}`;
    for (const [method, url, payload, headers, status, instance] of [
      ['GET', `${missing}?debug=1`, undefined, {}, 404, missing],
      ['GET', '/v2/no/such/route', undefined, {}, 404, '/v2/no/such/route'],
      ['POST', '/v1/recognitions', { to: 'usr_grace', message: '' }, {}, 400, '/v1/recognitions'],
      [
        'POST',
        '/v1/recognitions',
        { to: 'usr_grace', message: 'x' },
        { 'idempotency-key': 'a, b' },
        400,
        '/v1/recognitions',
      ],
      ['GET', '/v1/recognitions/%E0%A4%A', undefined, {}, 400, '/v1/recognitions/%E0%A4%A'],
    ] as const) {
      const response = await send(method, url, payload, headers);
      expect(response.statusCode, url).toBe(status);
      expect(problemOf(response).instance, url).toBe(instance);
    }
  });

  it('refuses an unknown version with the supported ones', async () => {
    for (const [url, headers] of [
      ['/v9/recognitions', {}],
      ['/recognitions', { 'api-version': 'latest' }],
    ] as const) {
      const response = await send('GET', url, undefined, headers);
      expect(response.statusCode, url).toBe(400);
      expect(problemOf(response)).toMatchObject({
        code: 'BW_VERSION_UNKNOWN',
        supportedVersions: ['v1', 'v2'],
      });
    }
  });
});

it('answers v1 with 410 after its sunset, and keeps serving v2', async () => {
  const after = Date.parse(V1_SUNSET) + 1000;
  const { app, close } = await testApp({ versioning: { now: () => after } });
  try {
    const gone = await app.inject({ url: '/v1/recognitions', headers: bearer() });
    expect(gone.statusCode).toBe(410);
    expect(problemOf(gone)).toMatchObject({ code: 'BW_VERSION_SUNSET', supportedVersions: ['v2'] });
    const served = await app.inject({ url: '/v2/recognitions', headers: bearer() });
    expect(served.statusCode).toBe(200);
  } finally {
    await close();
  }
});
