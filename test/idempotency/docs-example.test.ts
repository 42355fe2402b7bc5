import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fetch } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupBackends, tempDir } from '../support/backends.js';
import { spawnTs } from '../support/processes.js';

const FIXTURE = 'test/fixtures/idempotency/docs-example.ts';

/** The Fastify example of docs/idempotency.md, as it appears there (package imports). */
function documentedExample(): string {
  const doc = readFileSync('docs/idempotency.md', 'utf8');
  const match = /<!-- example: fastify -->\s*```ts\n([\s\S]*?)```/.exec(doc);
  if (!match?.[1]) throw new Error('docs/idempotency.md has no "example: fastify" block');
  return match[1];
}

afterAll(cleanupBackends);

describe('docs/idempotency.md Fastify example', () => {
  it('is the tested fixture, imports aside', () => {
    const fixture = readFileSync(FIXTURE, 'utf8').replace(
      /'\.\.\/\.\.\/\.\.\/src\/([a-z/-]+?)(\/index)?\.js'/g,
      (_all, module: string) => `'breakwater/${module}'`,
    );
    expect(documentedExample()).toBe(fixture);
  });

  it('runs: replays a retried order, scopes keys by tenant, commits transactionally', async () => {
    const store = `sqlite:${path.join(tempDir(), 'state.db')}`;
    const child = spawnTs(FIXTURE, [], { env: { BREAKWATER_STORE: store, PORT: '0' } });
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
    const order = (route: string, key: string, tenant: string) =>
      fetch(`${url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key, 'x-tenant': tenant },
        body: JSON.stringify({ item: 'tea' }),
      });
    try {
      const first = await order('/orders', '"order-1"', 'acme');
      expect(first.status).toBe(201);
      const firstBody = await first.text();
      const retry = await order('/orders', 'order-1', 'acme');
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(await retry.text()).toBe(firstBody);
      expect(retry.headers.get('location')).toBe(first.headers.get('location'));
      const otherTenant = await order('/orders', 'order-1', 'globex');
      expect(otherTenant.headers.get('idempotent-replayed')).toBeNull();
      expect(await otherTenant.text()).not.toBe(firstBody);

      const tx = await order('/orders/tx', 'order-2', 'acme');
      expect(tx.status).toBe(201);
      const txRetry = await order('/orders/tx', 'order-2', 'acme');
      expect(txRetry.headers.get('idempotent-replayed')).toBe('true');
      expect(await txRetry.text()).toBe(await tx.text());

      const missing = await fetch(`${url}/orders`, { method: 'POST', body: '{}' });
      expect(missing.status).toBe(400);
      expect(await missing.json()).toMatchObject({ code: 'BW_IDEMPOTENCY_KEY_MISSING' });

      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('breakwater_idempotency_replays_total{route="/orders"} 1');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    // The transactional handler logs each committed order; the replay never ran it.
    expect(stdout.match(/"msg":"order placed"/g)).toHaveLength(1);
  });
});
