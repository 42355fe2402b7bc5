import { afterAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/admin/audit.js';
import { ACTOR_HEADER, createAdminServer } from '../../src/admin/server.js';
import { bearerToken, resolveAdminToken, tokenMatches } from '../../src/admin/token.js';
import { migrateBreakwater } from '../../src/migrate/index.js';
import { openStore } from '../../src/store/open.js';
import type { SqlStore } from '../../src/store/types.js';
import { cleanupBackends, describeBackends } from '../support/backends.js';

afterAll(cleanupBackends);

describe('admin token', () => {
  it('matches only the exact token, whatever the lengths', () => {
    expect(tokenMatches('s3cret', 's3cret')).toBe(true);
    expect(tokenMatches('s3cret', 's3cre')).toBe(false);
    expect(tokenMatches('s3cret', 's3cret ')).toBe(false);
    expect(tokenMatches('s3cret', undefined)).toBe(false);
    expect(tokenMatches('', '')).toBe(false);
  });

  it('reads bearer tokens and generates one when none is configured', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(resolveAdminToken({ BREAKWATER_ADMIN_TOKEN: 'x' })).toEqual({
      token: 'x',
      generated: false,
    });
    const generated = resolveAdminToken({});
    expect(generated.generated).toBe(true);
    expect(generated.token).toMatch(/^bwa_[A-Za-z0-9_-]{32}$/);
    expect(resolveAdminToken({}).token).not.toBe(generated.token);
  });
});

describeBackends('admin API', ['sqlite', 'postgres'], (backend) => {
  it('binds loopback, requires the token, and records actions with their caller', async () => {
    const store = openStore(await backend.url()) as SqlStore;
    await migrateBreakwater(store);
    const server = await createAdminServer({
      token: 'tok-123',
      auditLog: createAuditLog(store),
      routes: [
        (app, context) => {
          app.post('/admin/v1/echo', async (request) => {
            await context.audit(request, 'echo', 'thing-1', { n: 1 });
            return { ok: true };
          });
        },
      ],
    });
    const url = await server.listen({ port: 0 });
    try {
      expect(new URL(url).hostname).toBe('127.0.0.1');

      const anonymous = await fetch(`${url}/admin/v1/echo`, { method: 'POST' });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await anonymous.json()).toMatchObject({ status: 401, code: 'BW_HTTP_UNAUTHORIZED' });

      const wrong = await fetch(`${url}/admin/v1/echo`, {
        method: 'POST',
        headers: { authorization: 'Bearer tok-124' },
      });
      expect(wrong.status).toBe(401);

      const headers = { authorization: 'Bearer tok-123', [ACTOR_HEADER]: 'alice@laptop' };
      const ok = await fetch(`${url}/admin/v1/echo`, { method: 'POST', headers });
      expect(ok.status).toBe(200);

      const missing = await fetch(`${url}/admin/v1/nope`, { headers });
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ code: 'BW_HTTP_NOT_FOUND' });

      const audit = await fetch(`${url}/admin/v1/audit`, { headers });
      const { entries } = (await audit.json()) as { entries: Array<Record<string, unknown>> };
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        actor: 'alice@laptop',
        action: 'echo',
        target: 'thing-1',
        detail: { n: 1 },
      });
      expect(Number.isNaN(Date.parse(String(entries[0]?.at)))).toBe(false);
    } finally {
      await server.close();
      await store.close();
    }
  });
});
