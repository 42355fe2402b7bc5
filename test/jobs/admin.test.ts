import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAuditLog } from '../../src/admin/audit.js';
import { ACTOR_HEADER, type AdminServer, createAdminServer } from '../../src/admin/server.js';
import { jobsAdminRoutes } from '../../src/jobs/admin-routes.js';
import type { JobQueue } from '../../src/jobs/queue.js';
import type { SqlStore } from '../../src/store/types.js';
import { cleanupBackends, describeBackends } from '../support/backends.js';
import { deadLetter as makeDeadLetter, openJobs } from './helpers.js';

afterAll(cleanupBackends);

describeBackends('jobs admin API', ['sqlite', 'postgres'], (backend) => {
  let store: SqlStore;
  let queue: JobQueue;
  let server: AdminServer;
  let url: string;
  const headers = {
    authorization: 'Bearer admin-tok',
    [ACTOR_HEADER]: 'ops@laptop',
    'content-type': 'application/json',
  };
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers:
        body === undefined
          ? { authorization: headers.authorization, [ACTOR_HEADER]: 'ops@laptop' }
          : headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: (await response.json()) as Record<string, unknown>,
    };
  };

  const deadLetter = (name: string) => makeDeadLetter(queue, name, 'admin');

  beforeAll(async () => {
    ({ store, queue } = await openJobs(backend));
    server = await createAdminServer({
      token: 'admin-tok',
      auditLog: createAuditLog(store),
      routes: [jobsAdminRoutes(queue)],
    });
    url = await server.listen({ port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await store.close();
  });

  it('lists, shows, retries and cancels jobs, auditing each action', async () => {
    const dead = await deadLetter('send-email');
    const pending = await queue.enqueue('send-email', {}, { queue: 'admin' });

    const list = await call('GET', '/admin/v1/jobs?queue=admin&state=dead_letter');
    expect(list.status).toBe(200);
    expect((list.body.jobs as Array<{ id: string }>).map((j) => j.id)).toEqual([dead.id]);
    const shown = await call('GET', `/admin/v1/jobs/${dead.id}`);
    expect(shown.body.job).toMatchObject({
      id: dead.id,
      state: 'dead_letter',
      lastError: 'Error: boom',
      history: [{ outcome: 'failed', workerId: 'w' }],
    });

    expect((await call('POST', `/admin/v1/jobs/${dead.id}/retry`)).body.job).toMatchObject({
      state: 'pending',
      attempts: 0,
    });
    expect((await call('POST', `/admin/v1/jobs/${pending.id}/cancel`)).body.job).toMatchObject({
      state: 'cancelled',
    });
    const again = await call('POST', `/admin/v1/jobs/${pending.id}/cancel`);
    expect(again).toMatchObject({ status: 409, body: { code: 'BW_JOBS_INVALID_STATE' } });
    expect(again.type).toMatch(/^application\/problem\+json/);
    expect(await call('GET', '/admin/v1/jobs/123456789')).toMatchObject({
      status: 404,
      body: { code: 'BW_JOBS_NOT_FOUND' },
    });
    expect(await call('GET', '/admin/v1/jobs/abc')).toMatchObject({
      status: 400,
      body: { code: 'BW_HTTP_VALIDATION' },
    });
    expect(await call('GET', '/admin/v1/jobs?state=melted')).toMatchObject({ status: 400 });

    const audit = await createAuditLog(store).list();
    expect(audit.map((e) => [e.action, e.target, e.actor])).toEqual([
      ['jobs.cancel', pending.id, 'ops@laptop'],
      ['jobs.retry', dead.id, 'ops@laptop'],
    ]);
  });

  it('lists, redrives and purges dead letters', async () => {
    const [a, b, c] = [
      await deadLetter('dlq-a'),
      await deadLetter('dlq-b'),
      await deadLetter('dlq-a'),
    ];
    const dlq = await call('GET', '/admin/v1/jobs/dlq?name=dlq-a');
    expect((dlq.body.jobs as Array<{ id: string }>).map((j) => j.id)).toEqual([c.id, a.id]);
    expect(await call('POST', '/admin/v1/jobs/redrive', {})).toMatchObject({
      status: 400,
      body: { code: 'BW_JOBS_INVALID' },
    });
    expect(await call('POST', '/admin/v1/jobs/redrive', { ids: 'x' })).toMatchObject({
      status: 400,
    });
    expect((await call('POST', '/admin/v1/jobs/redrive', { ids: [a.id] })).body).toEqual({
      redriven: 1,
    });
    expect((await call('POST', '/admin/v1/jobs/purge', { name: 'dlq-a' })).body).toEqual({
      purged: 1,
    });
    expect((await call('POST', '/admin/v1/jobs/redrive', { all: true })).body).toEqual({
      redriven: 1,
    });
    expect((await queue.show(b.id)).state).toBe('pending');
    await expect(queue.show(c.id)).rejects.toMatchObject({ code: 'BW_JOBS_NOT_FOUND' });
    const counts = await call('GET', '/admin/v1/jobs/counts');
    expect(counts.body.counts).toEqual(
      expect.arrayContaining([{ queue: 'admin', state: 'pending', count: 3 }]),
    );
    const audit = await createAuditLog(store).list({ action: 'jobs.purge' });
    expect(audit[0]?.detail).toMatchObject({ name: 'dlq-a', purged: 1 });
  });
});
