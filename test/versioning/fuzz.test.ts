import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateBreakwater } from '../../src/migrate/own.js';
import { openSqlite } from '../../src/store/sqlite.js';
import type { SqliteStore } from '../../src/store/types.js';
import { recognitionVersions } from '../../src/versioning/examples/recognitions.js';
import { isVersionSegment } from '../../src/versioning/version-id.js';
import { cleanupBackends, tempDir } from '../support/backends.js';
import { seeded } from '../support/seeded-random.js';
import { buildRecognitionsApp } from './fixtures/recognitions-app.js';

afterAll(cleanupBackends);

/** Generous: thousands of requests on a loaded CI machine; nothing here waits on time. */
const FUZZ_TIMEOUT_MS = 90_000;

/** A failure can be replayed with the seed printed. */
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const rand = seeded(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
const ASCII = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');
const NEAR = ['v', 'V', '1', '2', '0', '9', '-', ' ', '.', ',', '2024-06-01', 'v1', 'v2', '\t'];

/** Mostly near-misses of real versions, some plain noise. */
function value(charset: string, max = 12): string {
  const length = Math.floor(rand() * max);
  let out = '';
  for (let i = 0; i < length; i++) {
    out += rand() < 0.5 ? pick(NEAR) : (charset[Math.floor(rand() * charset.length)] as string);
  }
  return rand() < 0.1 ? pick(['1', 'v1', '2', 'V2', ' v1 ']) : out;
}

const known = (raw: string) => recognitionVersions.parse(raw.trim()).kind === 'known';
const AUTH = { authorization: 'Bearer org_acme:usr_ada' };

describe(`fuzzing the version inputs (seed ${SEED})`, () => {
  let store: SqliteStore;
  let app: FastifyInstance;
  let id: string;

  beforeAll(async () => {
    store = openSqlite(path.join(tempDir(), 'state.db'));
    await migrateBreakwater(store);
    app = await buildRecognitionsApp({ store });
    const created = await app.inject({
      method: 'POST',
      url: '/v2/recognitions',
      headers: AUTH,
      payload: { to: 'usr_grace', text: 'fuzz target' },
    });
    id = (created.json() as { id: string }).id;
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  /** 200 with a version when `ok`, else a 400 BW_VERSION_UNKNOWN problem; never a 5xx. */
  function expectOutcome(response: LightMyRequestResponse, ok: boolean, input: string) {
    const context = `${input} (seed ${SEED})`;
    expect(response.statusCode, context).toBeLessThan(500);
    if (ok) {
      expect(response.statusCode, context).toBe(200);
      expect(['v1', 'v2'], context).toContain(response.headers['api-version']);
    } else {
      expect(response.statusCode, context).toBe(400);
      expect(response.headers['content-type'], context).toMatch(/^application\/problem\+json/);
      expect(response.json(), context).toMatchObject({ code: 'BW_VERSION_UNKNOWN' });
    }
  }

  it(
    'API-Version and X-API-Version headers: 200 or 400, never a 5xx',
    async () => {
      for (let i = 0; i < 1500; i++) {
        const header = value(`${ASCII}\t`).replace(/^[ \t]+|[ \t]+$/g, '');
        const name = rand() < 0.5 ? 'api-version' : 'x-api-version';
        const response = await app.inject({
          method: 'GET',
          url: `/recognitions/${id}`,
          headers: { ...AUTH, [name]: header },
        });
        expectOutcome(response, known(header), `${name}: ${JSON.stringify(header)}`);
      }
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'path prefixes: a version segment gives 200 or 400, anything else is not a version',
    async () => {
      for (let i = 0; i < 800; i++) {
        const raw = (rand() < 0.7 ? pick(['v', 'V', '2024-']) : '') + value(ASCII, 8);
        const segment = encodeURIComponent(raw);
        const response = await app.inject({
          method: 'GET',
          url: `/${segment}/recognitions/${id}`,
          headers: AUTH,
        });
        const input = `path /${segment}/`;
        if (segment !== '' && isVersionSegment(segment)) {
          expectOutcome(response, known(segment) && segment === segment.trim(), input);
        } else {
          // not a version: another path (404), or this one after dot-segment removal
          expect(response.statusCode, input).toBeLessThan(500);
        }
      }
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'api_version query values, repeated or not: 200 or 400, never a 5xx',
    async () => {
      for (let i = 0; i < 800; i++) {
        const values = Array.from({ length: rand() < 0.15 ? 2 : 1 }, () => value(ASCII));
        const query = values.map((v) => `api_version=${encodeURIComponent(v)}`).join('&');
        const response = await app.inject({
          method: 'GET',
          url: `/recognitions/${id}?${query}`,
          headers: AUTH,
        });
        const agree = new Set(values.map((v) => v.trim())).size === 1;
        expectOutcome(response, agree && known(values[0] as string), `?${query}`);
      }
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'random bodies under random versions: 201 or 400, never a 5xx',
    async () => {
      const scalar = () => pick([null, true, 0, -1, 1.5, '', 'x', 'usr_grace', 'usr_ada', [], {}]);
      const field = () => (rand() < 0.3 ? scalar() : rand() < 0.5 ? { id: scalar() } : [scalar()]);
      for (let i = 0; i < 500; i++) {
        const body: Record<string, unknown> = {};
        for (const key of ['to', 'message', 'text', 'from', 'badges', 'extra']) {
          if (rand() < 0.6) body[key] = rand() < 0.5 ? scalar() : field();
        }
        const payload = rand() < 0.1 ? JSON.stringify(scalar()) : JSON.stringify(body);
        const version = pick(['v1', 'v2', 'v3', 'V01', 'v1x']);
        const response = await app.inject({
          method: 'POST',
          url: `/${version}/recognitions`,
          headers: { ...AUTH, 'content-type': 'application/json' },
          payload,
        });
        const context = `POST /${version} ${payload} (seed ${SEED})`;
        expect([201, 400], context).toContain(response.statusCode);
      }
    },
    FUZZ_TIMEOUT_MS,
  );
});
