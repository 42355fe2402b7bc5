import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/admin/audit.js';
import { ACTOR_HEADER, createAdminServer } from '../../src/admin/server.js';
import { runCli } from '../../src/cli/program.js';
import { migrateBreakwater } from '../../src/migrate/index.js';
import { quotaAdminRoutes } from '../../src/quota/admin.js';
import { createQuotas } from '../../src/quota/quotas.js';
import { openStore } from '../../src/store/open.js';
import { captureIo } from '../fixtures/migrate/support.js';
import { cleanupBackends, describeBackends, tempDir } from '../support/backends.js';

afterAll(cleanupBackends);

async function quota(args: string[], env: NodeJS.ProcessEnv = {}) {
  const captured = captureIo({ env });
  const code = await runCli(['quota', ...args], captured.io);
  return { code, out: captured.out(), err: captured.err() };
}

describeBackends('quota increase requests', ['sqlite', 'postgres', 'redis'], (backend) => {
  it('flow through the library, the admin API and the CLI on one store', async () => {
    const url = await backend.url();
    const store = openStore(url);
    if (store.kind !== 'redis') await migrateBreakwater(store);
    const quotas = createQuotas({ store });
    const auditLog = store.kind === 'redis' ? undefined : createAuditLog(store);
    const server = await createAdminServer({
      token: 'tok',
      ...(auditLog ? { auditLog } : {}),
      routes: [quotaAdminRoutes(quotas)],
    });
    const base = await server.listen({ port: 0 });
    const headers = {
      authorization: 'Bearer tok',
      [ACTOR_HEADER]: 'alice@ops',
      'content-type': 'application/json',
    };
    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${base}/admin/v1/quota${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        body: JSON.parse(text || 'null'),
      };
    };
    try {
      // library: the organization files; the operator approves over the admin API
      const filed = await quotas.requestIncrease({
        organization: 'acme',
        quota: 'recognitions_per_day',
        limit: 5_000,
        reason: 'launch week',
      });
      const listed = await api('GET', '/requests?status=pending');
      expect(listed.body.requests.map((r: { id: string }) => r.id)).toContain(filed.id);
      const approved = await api('POST', `/requests/${filed.id}/approve`, {
        note: 'ok for a month',
      });
      expect(approved.status).toBe(200);
      expect(approved.body).toMatchObject({
        status: 'approved',
        decidedBy: 'alice@ops',
        grantedLimit: 5_000,
      });
      expect(await quotas.overrides('acme')).toEqual({ recognitions_per_day: 5_000 });
      const again = await api('POST', `/requests/${filed.id}/reject`, {});
      expect(again.status).toBe(409);
      expect(again.type).toMatch(/^application\/problem\+json/);
      expect(again.body.code).toBe('BW_QUOTA_REQUEST_DECIDED');
      expect((await api('GET', '/requests/qr_nope')).body).toMatchObject({
        status: 404,
        code: 'BW_QUOTA_REQUEST_NOT_FOUND',
      });
      const bad = await api('POST', '/requests', {
        organization: 'acme',
        quota: 'recognitions_per_day',
        limit: 'lots',
      });
      expect(bad.body).toMatchObject({ status: 400, code: 'BW_QUOTA_INVALID' });
      const unknown = await api('POST', '/requests', {
        organization: 'acme',
        quota: 'nope',
        limit: 3,
        reason: 'x',
      });
      expect(unknown.body).toMatchObject({ status: 404, code: 'BW_QUOTA_UNKNOWN' });
      const viaApi = await api('POST', '/requests', {
        organization: 'beta',
        quota: 'custom_domains',
        limit: 20,
        reason: 'agency',
      });
      expect(viaApi.status).toBe(201);
      expect(viaApi.body).toMatchObject({ requestedBy: 'alice@ops', currentLimit: 10 });
      const put = await api('PUT', '/overrides/beta/team_members', { limit: 900 });
      expect(put.status).toBe(200);
      await quotas.consume({ organization: 'acme', quotas: { recognitions_per_day: 2 } });
      const usage = await api('GET', '/usage/acme?days=3');
      expect(
        usage.body.quotas.find((q: { quota: string }) => q.quota === 'recognitions_per_day'),
      ).toMatchObject({
        used: 2,
        limit: 5_000,
        overridden: true,
      });
      expect(usage.body.history).toEqual([
        expect.objectContaining({ quota: 'recognitions_per_day', used: 2, refused: 0 }),
      ]);
      if (auditLog) {
        const actions = (await auditLog.list()).map((e) => [e.action, e.actor, e.target]);
        expect(actions).toEqual(
          expect.arrayContaining([
            ['quota.approve', 'alice@ops', filed.id],
            ['quota.request', 'alice@ops', viaApi.body.id],
            ['quota.override', 'alice@ops', 'beta'],
          ]),
        );
      }

      // CLI: works on the store directly
      const env = { BREAKWATER_STORE: url, USER: 'bob' };
      const requested = await quota(
        ['request', 'beta', 'exports_per_day', '80', '--reason', 'quarter end', '--json'],
        env,
      );
      expect(requested.code).toBe(0);
      const cliRequest = JSON.parse(requested.out);
      expect(cliRequest).toMatchObject({
        status: 'pending',
        requestedBy: expect.stringMatching(/^bob@/),
      });
      const pending = await quota(['requests', '--json', '--store', url]);
      expect(
        JSON.parse(pending.out)
          .map((r: { id: string }) => r.id)
          .sort(),
      ).toEqual([cliRequest.id, viaApi.body.id].sort());
      const table = await quota(['requests', '--store', url]);
      expect(table.out).toMatch(/^ID\s+ORGANIZATION\s+QUOTA/);
      const rejected = await quota([
        'reject',
        cliRequest.id,
        '--actor',
        'carol@cli',
        '--note',
        'no',
        '--store',
        url,
      ]);
      expect(rejected.code).toBe(0);
      expect(rejected.out).toContain(`${cliRequest.id} rejected by carol@cli`);
      const approvedCli = await quota([
        'approve',
        viaApi.body.id,
        '--limit',
        '15',
        '--json',
        '--store',
        url,
      ]);
      expect(JSON.parse(approvedCli.out)).toMatchObject({ status: 'approved', grantedLimit: 15 });
      expect(await quotas.overrides('beta')).toEqual({ custom_domains: 15, team_members: 900 });
      const twice = await quota(['approve', cliRequest.id, '--store', url]);
      expect(twice.code).toBe(1);
      expect(twice.err.trimEnd().split('\n')).toHaveLength(1);
      expect(twice.err).toContain('BW_QUOTA_REQUEST_DECIDED');
      const usageCli = await quota(['usage', 'acme', '--store', url]);
      expect(usageCli.code).toBe(0);
      expect(usageCli.out).toMatch(/recognitions_per_day\s+2\s+5000\s+4998/);
      const usageJson = JSON.parse((await quota(['usage', 'acme', '--json', '--store', url])).out);
      expect(usageJson.organization).toBe('acme');
      const badLimit = await quota([
        'request',
        'acme',
        'recognitions_per_day',
        'many',
        '--reason',
        'x',
        '--store',
        url,
      ]);
      expect(badLimit.code).toBe(2);
    } finally {
      await server.close();
      await store.close();
    }
  });
});

describe('breakwater quota on a store without its tables', () => {
  it('answers one line naming the missing tables, for reads and writes alike', async () => {
    const store = `sqlite:${path.join(tempDir(), 'fresh.db')}`;
    for (const args of [
      ['usage', 'org_acme'],
      ['requests'],
      ['request', 'org_acme', 'recognitions_per_day', '2000', '--reason', 'launch'],
    ]) {
      const run = await quota([...args, '--store', store]);
      expect(run.code).toBe(1);
      expect(run.err.trimEnd().split('\n')).toHaveLength(1);
      expect(run.err).toMatch(/quota tables are missing in sqlite:.* \[BW_STORE_UNSUPPORTED\]\n$/);
    }
  });
});
