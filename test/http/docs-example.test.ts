import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fetch } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupBackends, tempDir } from '../support/backends.js';
import { spawnTs } from '../support/processes.js';

const FIXTURE = 'test/http/fixtures/docs-example.ts';

/** The Fastify example of docs/pipeline.md, as it appears there (package imports). */
function documentedExample(): string {
  const doc = readFileSync('docs/pipeline.md', 'utf8');
  const match = /<!-- example: fastify -->\s*```ts\n([\s\S]*?)```/.exec(doc);
  if (!match?.[1]) throw new Error('docs/pipeline.md has no "example: fastify" block');
  return match[1];
}

afterAll(cleanupBackends);

describe('docs/pipeline.md Fastify example', () => {
  it('is the tested fixture, imports aside', () => {
    const fixture = readFileSync(FIXTURE, 'utf8')
      .replace("'../../../src/http/fastify.js'", "'breakwater/http/fastify'")
      .replace("'../../../src/pipeline/index.js'", "'breakwater/pipeline'")
      .replace("'../../../src/store/index.js'", "'breakwater/store'");
    expect(documentedExample()).toBe(fixture);
  });

  it('runs: serves a traced request and /health, and exits 0 on SIGTERM', async () => {
    const store = `sqlite:${path.join(tempDir(), 'state.db')}`;
    const child = spawnTs(FIXTURE, [], {
      env: { BREAKWATER_STORE: store, PORT: '0', LOG_LEVEL: 'info' },
    });
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (chunk) => {
        stdout += chunk;
        const match = /"url":"([^"]+)"/.exec(stdout);
        if (match?.[1]) resolve(match[1]);
      });
      child.on('exit', () => reject(new Error(`example exited early: ${stdout}`)));
    });
    try {
      const res = await fetch(`${url}/orders/42`, { headers: { 'x-tenant': 'acme' } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ id: '42', traceId: res.headers.get('x-trace-id') });
      const health = await fetch(`${url}/health`);
      expect(health.headers.get('content-type')).toMatch(/^application\/health\+json/);
      expect(Object.keys(((await health.json()) as { checks: object }).checks)).toContain(
        'sqlite:responseTime',
      );
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.msg === 'request' && l.route === '/orders/:id')).toMatchObject({
      status: 200,
      tenantHash: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    expect(stdout).not.toContain('acme');
  });
});
