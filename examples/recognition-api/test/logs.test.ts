import { Writable } from 'node:stream';
import { afterAll, expect, it } from 'vitest';
import { cleanupBackends } from '../../../test/support/backends.js';
import { bearer, testApp } from './app-fixture.js';
import { ACME_KEY } from './fixtures.js';

afterAll(cleanupBackends);

it('logs each request with the caller hashed, and a span per database call in its trace', async () => {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  const { app, close } = await testApp({ logDestination: sink });
  try {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/recognitions',
      headers: bearer(),
      payload: { to: 'usr_grace', message: 'logged' },
    });
    const { id } = created.json();
    const fetched = await app.inject({ url: `/v1/recognitions/${id}`, headers: bearer() });
    expect(fetched.statusCode).toBe(200);
    const traceId = fetched.headers['x-trace-id'];
    await new Promise((resolve) => setImmediate(resolve));

    const trace = lines.filter((l) => l.traceId === traceId);
    const request = trace.find((l) => l.msg === 'request');
    // One route serves every version prefix (rewriteUrl): the template has none.
    expect(request).toMatchObject({ route: '/recognitions/:id', status: 200 });
    expect(request?.tenantHash).toMatch(/^[0-9a-f]+$/);
    expect(request?.userHash).toMatch(/^[0-9a-f]+$/);
    expect(trace.filter((l) => l.msg === 'span').map((l) => l.span)).toEqual([
      'db.api_keys.find',
      'db.recognitions.get',
    ]);

    const all = JSON.stringify(lines);
    for (const secret of [ACME_KEY, 'org_acme', 'usr_ada']) expect(all).not.toContain(secret);
  } finally {
    await close();
  }
});
