import { afterAll, expect, it } from 'vitest';
import { createAuditLog } from '../../src/admin/audit.js';
import { ACTOR_HEADER, createAdminServer } from '../../src/admin/server.js';
import { migrateBreakwater } from '../../src/migrate/index.js';
import {
  BreakerRegistry,
  breakerAdminRoutes,
  breakerClusterStore,
  createBreakerCluster,
} from '../../src/resilience/index.js';
import { openStore } from '../../src/store/open.js';
import type { SqlStore } from '../../src/store/types.js';
import { cleanupBackends, describeBackends } from '../support/backends.js';

afterAll(cleanupBackends);

const TOKEN = 'tok-breakers';
const headers = { authorization: `Bearer ${TOKEN}`, [ACTOR_HEADER]: 'alice@laptop' };

describeBackends('breaker admin routes', ['sqlite', 'postgres'], (backend) => {
  it('lists breakers and forces them open, closed and reset here, each action audited', async () => {
    const store = openStore(await backend.url()) as SqlStore;
    await migrateBreakwater(store);
    const auditLog = createAuditLog(store);
    const registry = new BreakerRegistry();
    const slack = registry.get('slack');
    const server = await createAdminServer({
      token: TOKEN,
      auditLog,
      routes: [breakerAdminRoutes(registry)],
    });
    const url = await server.listen({ port: 0 });
    try {
      const anonymous = await fetch(`${url}/admin/v1/breakers`);
      expect(anonymous.status).toBe(401);

      const list = await fetch(`${url}/admin/v1/breakers`, { headers });
      expect(list.status).toBe(200);
      expect(await list.json()).toMatchObject({
        breakers: [{ name: 'slack', state: 'CLOSED', reason: 'created' }],
      });

      const post = (path: string) => fetch(`${url}${path}`, { method: 'POST', headers });
      const opened = await post('/admin/v1/breakers/slack/open');
      expect(opened.status).toBe(200);
      expect(await opened.json()).toMatchObject({
        scope: 'local',
        local: { state: 'FORCED_OPEN' },
      });
      expect(slack.state).toBe('FORCED_OPEN');
      await post('/admin/v1/breakers/slack/close');
      expect(slack.state).toBe('DISABLED');
      await post('/admin/v1/breakers/slack/reset');
      expect(slack.state).toBe('CLOSED');

      const unknown = await post('/admin/v1/breakers/nope/open');
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await unknown.json()).toMatchObject({ code: 'BW_BREAKER_NOT_FOUND' });
      const invalid = await post(`/admin/v1/breakers/${encodeURIComponent('bad name')}/open`);
      expect(invalid.status).toBe(400);
      expect(await invalid.json()).toMatchObject({ code: 'BW_HTTP_VALIDATION' });

      const entries = await auditLog.list({ limit: 10 });
      expect(entries.map((e) => `${e.action} ${e.target} ${e.actor}`)).toEqual([
        'breaker.reset slack alice@laptop',
        'breaker.close slack alice@laptop',
        'breaker.open slack alice@laptop',
      ]);
      expect(entries[0]?.detail).toEqual({ scope: 'local' });
    } finally {
      await server.close();
      await store.close();
    }
  });

  it('with a cluster: writes the override for every instance and lists published states', async () => {
    const store = openStore(await backend.url()) as SqlStore;
    await migrateBreakwater(store);
    const auditLog = createAuditLog(store);
    const registry = new BreakerRegistry();
    const payments = registry.get('payments');
    const cluster = createBreakerCluster({ store, registry, instanceId: 'api-1' });
    await cluster.start();
    const server = await createAdminServer({
      token: TOKEN,
      auditLog,
      routes: [breakerAdminRoutes(registry, cluster)],
    });
    const url = await server.listen({ port: 0 });
    try {
      const opened = await fetch(`${url}/admin/v1/breakers/payments/open`, {
        method: 'POST',
        headers,
      });
      expect(await opened.json()).toMatchObject({
        scope: 'cluster',
        override: { breaker: 'payments', mode: 'open', version: 1, actor: 'alice@laptop' },
        local: { state: 'FORCED_OPEN' },
      });
      expect(payments.state).toBe('FORCED_OPEN');
      // a breaker this instance has not made yet can still be overridden cluster-wide
      const other = await fetch(`${url}/admin/v1/breakers/teams/open`, { method: 'POST', headers });
      expect(other.status).toBe(200);
      expect(registry.get('teams').state).toBe('FORCED_OPEN');
      expect((await breakerClusterStore(store).overrides()).map((o) => o.breaker).sort()).toEqual([
        'payments',
        'teams',
      ]);

      await cluster.publish();
      const list = (await (await fetch(`${url}/admin/v1/breakers`, { headers })).json()) as {
        instance: string;
        cluster: Array<{ instance: string; breaker: string; state: string; live: boolean }>;
      };
      expect(list.instance).toBe('api-1');
      expect(list.cluster).toContainEqual(
        expect.objectContaining({
          instance: 'api-1',
          breaker: 'payments',
          state: 'FORCED_OPEN',
          live: true,
        }),
      );
      const [entry] = await auditLog.list({ limit: 1, action: 'breaker.open' });
      expect(entry).toMatchObject({ target: 'teams', detail: { scope: 'cluster', version: 1 } });
    } finally {
      await server.close();
      await cluster.stop();
      await store.close();
    }
  });
});
