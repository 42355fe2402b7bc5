import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cleanupBackends, describeBackends, tempDir } from '../../../test/support/backends.js';
import { CLEANUP_JOB, DEFAULT_RETENTION_DAYS } from '../src/jobs/handlers.js';
import { bearer, problemOf, testApp } from './app-fixture.js';
import { ACME, GLOBEX_KEY, query } from './fixtures.js';

afterAll(cleanupBackends);

interface JobStatus {
  id: string;
  state: string;
  progress: number | null;
  attempts: number;
  result: { path: string; records: number } | null;
}

/**
 * Exports end to end: `POST /v1/exports` answers 202 at once, the in-process worker writes
 * the organization's recognitions as NDJSON, `GET /v1/jobs/:id` follows it to the file.
 */
describeBackends('exports and cleanup jobs', ['sqlite', 'postgres'], (backend) => {
  let fixture: Awaited<ReturnType<typeof testApp>>;
  const exportsDir = path.join(tempDir(), 'exports');

  beforeAll(async () => {
    fixture = await testApp({ url: await backend.url(), jobs: { exportsDir } });
  });
  afterAll(() => fixture?.close());

  const inject = (method: 'GET' | 'POST', url: string, apiKey?: string) =>
    fixture.app.inject({ method, url, headers: bearer(apiKey) });

  /** Follows a job until it has finished (bounded: 20 s). */
  async function finished(url: string): Promise<JobStatus> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const response = await inject('GET', url);
      expect(response.statusCode).toBe(200);
      const status = response.json() as JobStatus;
      if (['completed', 'dead_letter', 'cancelled'].includes(status.state)) return status;
      if (Date.now() > deadline) throw new Error(`job still ${status.state}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('exports the organization’s recognitions as NDJSON and says where', async () => {
    for (let i = 0; i < 7; i++) {
      const created = await fixture.app.inject({
        method: 'POST',
        url: '/v2/recognitions',
        headers: bearer(),
        payload: { to: 'usr_grace', text: `export me ${i}` },
      });
      expect(created.statusCode).toBe(201);
    }
    await fixture.app.inject({
      method: 'POST',
      url: '/v2/recognitions',
      headers: bearer(GLOBEX_KEY),
      payload: { to: 'usr_hank', text: 'not for Acme' },
    });

    const accepted = await inject('POST', '/v1/exports');
    expect(accepted.statusCode).toBe(202);
    const { jobId, checkStatusAt } = accepted.json();
    expect(checkStatusAt).toBe(`/v1/jobs/${jobId}`);
    expect(accepted.headers.location).toBe(checkStatusAt);

    const done = await finished(checkStatusAt);
    const ids = await query<{ id: string }>(
      fixture.store,
      'SELECT id FROM recognitions WHERE org_id = ?',
      [ACME.orgId],
    );
    expect(done).toMatchObject({ state: 'completed', attempts: 1, progress: ids.length });
    expect(done.result?.records).toBe(ids.length);
    expect(path.dirname(done.result?.path as string)).toBe(exportsDir);
    expect(done.result?.path).toMatch(/org_acme-\d+\.ndjson$/);

    const lines = readFileSync(done.result?.path as string, 'utf8')
      .trimEnd()
      .split('\n');
    const exported = lines.map((line) => JSON.parse(line));
    expect(exported.map((r) => r.id).sort()).toEqual(ids.map((r) => r.id).sort());
    expect(exported[0]).toMatchObject({
      from: { id: 'usr_ada', name: 'Ada Lovelace' },
      to: 'usr_grace',
      text: 'export me 6', // newest first
    });
    expect(lines.join('\n')).not.toContain('not for Acme');
  });

  it('shows a job to its organization only, and refuses malformed ids', async () => {
    const { jobId } = (await inject('POST', '/v2/exports')).json();
    expect((await inject('GET', `/v2/jobs/${jobId}`, GLOBEX_KEY)).statusCode).toBe(404);
    const unknown = await inject('GET', '/v2/jobs/999999999');
    expect(problemOf(unknown).code).toBe('BW_HTTP_NOT_FOUND');
    expect((await inject('GET', '/v2/jobs/abc')).statusCode).toBe(400);
    await finished(`/v2/jobs/${jobId}`);
  });

  it('cleans up recognitions older than the retention', async () => {
    const old = new Date(Date.now() - (DEFAULT_RETENTION_DAYS + 1) * 86_400_000).toISOString();
    await fixture.repo.create({
      id: 'rec_old_enough_to_go',
      orgId: ACME.orgId,
      fromUserId: 'usr_ada',
      fromName: 'Ada Lovelace',
      toUserId: 'usr_grace',
      message: 'long ago',
      badges: [],
      createdAt: old,
    });
    const before = await query(fixture.store, 'SELECT id FROM recognitions');
    const queue = fixture.jobs?.queue;
    if (!queue) throw new Error('jobs are not running');
    const job = await queue.enqueue(CLEANUP_JOB);
    const deadline = Date.now() + 20_000;
    let shown = await queue.show(job.id);
    while (shown.state !== 'completed' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      shown = await queue.show(job.id);
    }
    expect(shown.state).toBe('completed');
    expect(shown.result).toMatchObject({ deleted: 1 });
    const after = await query<{ id: string }>(fixture.store, 'SELECT id FROM recognitions');
    expect(after).toHaveLength(before.length - 1);
    expect(after.map((r) => r.id)).not.toContain('rec_old_enough_to_go');
  });
});
