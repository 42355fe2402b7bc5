import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupBackends } from '../../../test/support/backends.js';
import { bearer, problemOf, problemText, testApp } from './app-fixture.js';
import { GLOBEX_KEY, repeatingClock } from './fixtures.js';

afterAll(cleanupBackends);

let app: FastifyInstance;
let close: () => Promise<void>;
// Time moves 1 ms every fourth call, so many recognitions share a timestamp (id breaks ties).
const clock = repeatingClock(Date.parse('2025-03-01T12:00:00.000Z'), 4);

beforeAll(async () => {
  ({ app, close } = await testApp({ now: clock }));
});
afterAll(() => close?.());

const post = (body: unknown, headers: Record<string, string> = bearer()) =>
  app.inject({ method: 'POST', url: '/v1/recognitions', headers, payload: body as object });

describe('authentication', () => {
  it('leaves health and metrics open', async () => {
    for (const url of ['/ready', '/health', '/metrics']) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(200);
    }
    // /live answers 503 while the event loop lags over 1 s, which a loaded test machine can
    // cause right after start-up; either way it is answered without a key.
    const live = await app.inject({ url: '/live' });
    expect([200, 503]).toContain(live.statusCode);
    expect(live.json()).toHaveProperty('status');
  });

  it.each([
    ['no key', {}],
    ['an unknown key', bearer('rk_not_a_key_0123456789')],
    ['another scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['a bare organization header', { 'x-org-id': 'org_acme', 'x-tenant-id': 'org_acme' }],
    ['an empty X-API-Key', { 'x-api-key': '' }],
  ])('answers 401 problem with a Bearer challenge for %s', async (_why, headers) => {
    for (const url of ['/v1/recognitions', '/v1/recognitions/rec_x']) {
      const response = await app.inject({ url, headers });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect(problemOf(response)).toMatchObject({ status: 401, code: 'BW_HTTP_UNAUTHORIZED' });
    }
    expect((await post({ to: 'usr_grace', message: 'hi' }, headers)).statusCode).toBe(401);
  });

  it('accepts the key as X-API-Key too', async () => {
    const response = await app.inject({
      url: '/v1/recognitions',
      headers: { 'x-api-key': GLOBEX_KEY },
    });
    expect(response.statusCode).toBe(200);
  });
});

describe('create and get', () => {
  it('creates a recognition from the caller: 201, Location, and the stored fields', async () => {
    const response = await post({
      to: 'usr_grace',
      message: 'Thanks for the review ✨',
      badges: ['teamwork', 'kindness'],
    });
    expect(response.statusCode).toBe(201);
    const created = response.json();
    expect(created).toEqual({
      id: expect.stringMatching(/^rec_[a-z2-7]{20}$/),
      from: 'usr_ada',
      to: 'usr_grace',
      message: 'Thanks for the review ✨',
      badges: ['teamwork', 'kindness'],
      createdAt: expect.stringMatching(/^2025-03-01T12:00:00\.\d{3}Z$/),
    });
    expect(response.headers.location).toBe(`/v1/recognitions/${created.id}`);

    const fetched = await app.inject({
      url: response.headers.location as string,
      headers: bearer(),
    });
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json()).toEqual(created);
  });

  it('lets the caller give on behalf of a colleague of the same organization', async () => {
    const response = await post({ to: 'usr_alan', from: 'usr_grace', message: 'From Grace' });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ from: 'usr_grace', to: 'usr_alan', badges: [] });
  });

  it('refuses a recipient outside the caller’s organization: 400 naming `to`', async () => {
    for (const to of ['usr_hank', 'usr_nobody']) {
      const response = await post({ to, message: 'hi' });
      expect(response.statusCode).toBe(400);
      expect(problemOf(response).code).toBe('BW_HTTP_VALIDATION');
      expect(problemText(response)).toMatch(/\bto\b/);
    }
  });

  it('refuses a sender outside the caller’s organization: 400 naming `from`', async () => {
    const response = await post({ to: 'usr_grace', from: 'usr_hank', message: 'hi' });
    expect(response.statusCode).toBe(400);
    expect(problemText(response)).toMatch(/\bfrom\b/);
  });

  it('answers 404 for another organization’s id and for an unknown id, alike', async () => {
    const created = (await post({ to: 'usr_grace', message: 'Acme only' })).json();
    const crossOrg = await app.inject({
      url: `/v1/recognitions/${created.id}`,
      headers: bearer(GLOBEX_KEY),
    });
    const unknown = await app.inject({ url: '/v1/recognitions/rec_unknown', headers: bearer() });
    for (const response of [crossOrg, unknown]) {
      expect(response.statusCode).toBe(404);
      expect(problemOf(response)).toMatchObject({ status: 404, code: 'BW_HTTP_NOT_FOUND' });
    }
    expect(crossOrg.body).not.toContain('Acme only');
  });
});

describe('bad input: 400 problem naming the field', () => {
  it.each([
    ['message missing', { to: 'usr_grace' }, 'message'],
    ['message empty', { to: 'usr_grace', message: '' }, 'message'],
    ['message too long', { to: 'usr_grace', message: 'x'.repeat(2001) }, 'message'],
    ['to missing', { message: 'hi' }, 'to'],
    ['to empty', { to: '', message: 'hi' }, 'to'],
    ['to an object', { to: { id: 'usr_grace' }, message: 'hi' }, 'to'],
    ['too many badges', { to: 'usr_grace', message: 'hi', badges: Array(11).fill('b') }, 'badges'],
    ['a badge too long', { to: 'usr_grace', message: 'hi', badges: ['x'.repeat(33)] }, 'badges'],
    ['a badge not a string', { to: 'usr_grace', message: 'hi', badges: [{}] }, 'badges'],
  ])('%s', async (_why, body, field) => {
    const response = await post(body);
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).status).toBe(400);
    expect(problemText(response)).toContain(field);
  });

  it('says what is wrong with an empty message in words', async () => {
    const response = await post({ to: 'usr_grace', message: '' });
    expect(problemText(response)).toContain('body/message must NOT have fewer than 1 characters');
  });

  it.each([
    ['not JSON', '{"to":'],
    ['a JSON array', '[1,2]'],
    ['a JSON string', '"hello"'],
  ])('refuses a body that is %s', async (_why, payload) => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/recognitions',
      headers: { ...bearer(), 'content-type': 'application/json' },
      payload,
    });
    expect(response.statusCode).toBe(400);
    problemOf(response);
  });

  it('refuses a body over 64 KiB (413) and a form-encoded one (415) as problems', async () => {
    const big = await post({ to: 'usr_grace', message: 'x'.repeat(70_000) });
    expect(big.statusCode).toBe(413);
    expect(problemOf(big).code).toBe('BW_HTTP_PAYLOAD_TOO_LARGE');
    const form = await app.inject({
      method: 'POST',
      url: '/v1/recognitions',
      headers: { ...bearer(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'to=usr_grace&message=hi',
    });
    expect(form.statusCode).toBe(415);
    expect(problemOf(form).code).toBe('BW_HTTP_UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers a malformed or over-long URL with a 400 problem, not Fastify’s own JSON', async () => {
    for (const url of ['/v1/recognitions/%E0%A4%A', `/v1/recognitions/${'x'.repeat(200)}`]) {
      const response = await app.inject({ url, headers: bearer() });
      expect(response.statusCode).toBe(400);
      expect(problemOf(response).code).toBe('BW_HTTP_BAD_REQUEST');
    }
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=1.5', 'limit'],
    ['cursor=!!!', 'cursor'],
    [`cursor=${Buffer.from('not|a cursor').toString('base64url')}`, 'cursor'],
    ['to=', 'to'],
  ])('refuses the list query %s', async (query, field) => {
    const response = await app.inject({ url: `/v1/recognitions?${query}`, headers: bearer() });
    expect(response.statusCode).toBe(400);
    expect(problemText(response)).toContain(field);
  });
});

describe('list', () => {
  const TOTAL = 45;
  let created: Array<{ id: string; createdAt: string }>;

  beforeAll(async () => {
    created = [];
    for (let i = 0; i < TOTAL; i++) {
      const response = await post({ to: 'usr_katherine', message: `thanks #${i}` });
      expect(response.statusCode).toBe(201);
      created.push(response.json());
    }
  });

  const expectedOrder = () =>
    [...created]
      .sort((a, b) =>
        a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
      )
      .map((r) => r.id);

  it('pages through every recognition once, newest first, without gaps', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query = `to=usr_katherine&limit=7${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await app.inject({ url: `/v1/recognitions?${query}`, headers: bearer() });
      expect(response.statusCode).toBe(200);
      const page = response.json() as {
        data: Array<{ id: string; to: string }>;
        nextCursor: string | null;
      };
      expect(page.data.length).toBeLessThanOrEqual(7);
      expect(page.data.every((r) => r.to === 'usr_katherine')).toBe(true);
      seen.push(...page.data.map((r) => r.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 20);
    expect(pages).toBe(Math.ceil(TOTAL / 7));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expectedOrder());
  });

  it('defaults to 20 per page and ends with nextCursor null', async () => {
    const first = (
      await app.inject({ url: '/v1/recognitions?to=usr_katherine', headers: bearer() })
    ).json();
    expect(first.data).toHaveLength(20);
    expect(typeof first.nextCursor).toBe('string');
    const all = (
      await app.inject({ url: '/v1/recognitions?to=usr_katherine&limit=100', headers: bearer() })
    ).json();
    expect(all.data).toHaveLength(TOTAL);
    expect(all.nextCursor).toBeNull();
  });

  it('shows an organization only its own recognitions', async () => {
    const response = await app.inject({
      url: '/v1/recognitions?limit=100',
      headers: bearer(GLOBEX_KEY),
    });
    expect(response.json()).toEqual({ data: [], nextCursor: null });
  });
});
