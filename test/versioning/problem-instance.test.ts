import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateBreakwater } from '../../src/migrate/own.js';
import { openSqlite } from '../../src/store/sqlite.js';
import type { SqliteStore } from '../../src/store/types.js';
import { cleanupBackends, tempDir } from '../support/backends.js';
import { buildRecognitionsApp } from './fixtures/recognitions-app.js';

afterAll(cleanupBackends);

const ADA = { authorization: 'Bearer org_acme:usr_ada' };

/**
 * `rewriteUrl: versionRewriteUrl` turns `/v1/x` into `/x` before routing; every problem
 * answer must still name the path the client called, from each place that answers one.
 */
describe('problem instance on versioned routes', () => {
  let store: SqliteStore;
  let app: FastifyInstance;

  beforeAll(async () => {
    store = openSqlite(path.join(tempDir(), 'state.db'));
    await migrateBreakwater(store);
    app = await buildRecognitionsApp({ store, versioning: { pinCacheTtlMs: 0 } });
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  function problem(response: LightMyRequestResponse) {
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    return response.json() as { status: number; code: string; instance?: string };
  }

  it.each([
    // [what answers, request, status, code, instance]
    [
      'the error handler (thrown by a handler)',
      { method: 'GET', url: '/v1/recognitions/rec_nope?debug=1', headers: ADA },
      404,
      'BW_HTTP_NOT_FOUND',
      '/v1/recognitions/rec_nope',
    ],
    [
      'the not-found handler',
      { method: 'GET', url: '/v2/no/such/route', headers: ADA },
      404,
      'BW_HTTP_NOT_FOUND',
      '/v2/no/such/route',
    ],
    [
      'the error handler (schema validation)',
      { method: 'POST', url: '/v1/recognitions', headers: ADA, payload: { to: 'usr_grace' } },
      400,
      'BW_HTTP_VALIDATION',
      '/v1/recognitions',
    ],
    [
      'the error handler (the auth hook, before the version is resolved)',
      { method: 'GET', url: '/v1/recognitions/rec_nope', headers: {} },
      401,
      'BW_HTTP_UNAUTHORIZED',
      '/v1/recognitions/rec_nope',
    ],
    [
      'the error handler (an unknown version)',
      { method: 'GET', url: '/v9/recognitions/rec_nope', headers: ADA },
      400,
      'BW_VERSION_UNKNOWN',
      '/v9/recognitions/rec_nope',
    ],
    [
      'the idempotency glue (replyProblem)',
      {
        method: 'POST',
        url: '/v1/recognitions?x=1',
        headers: { ...ADA, 'idempotency-key': 'a, b' },
        payload: { to: 'usr_grace', message: 'hi' },
      },
      400,
      'BW_IDEMPOTENCY_KEY_INVALID',
      '/v1/recognitions',
    ],
    [
      "the app's frameworkErrors (a malformed URL)",
      { method: 'GET', url: '/v1/recognitions/%E0%A4%A', headers: ADA },
      400,
      'BW_HTTP_BAD_REQUEST',
      '/v1/recognitions/%E0%A4%A',
    ],
  ] as const)(
    '%s: instance is the URL the client called',
    async (_what, request, status, code, instance) => {
      const response = await app.inject(request);
      expect(response.statusCode).toBe(status);
      expect(problem(response)).toMatchObject({ status, code, instance });
    },
  );
});
