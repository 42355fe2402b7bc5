import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { hasCode } from '../../src/errors/breakwater-error.js';
import { errors } from '../../src/errors/registry.js';
import { fastifyQuota } from '../../src/http/fastify-quota.js';
import type { QuotaEvent } from '../../src/quota/events.js';
import { memoryQuotaStore } from '../../src/quota/memory.js';
import { createQuotas } from '../../src/quota/quotas.js';
import { openStore } from '../../src/store/open.js';

const DEFINITIONS = [
  { name: 'open_daily', limit: 2, window: 'day' as const, onStoreFailure: 'open' as const },
  { name: 'closed_daily', limit: 2, window: 'day' as const, onStoreFailure: 'closed' as const },
];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A redis-server of this test's own, on a spare port, with no persistence. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const probe = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  for (let i = 0; i < 100; i++) {
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return child;
    } catch {
      probe.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not start on ${port}`);
}

const stopped = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.on('exit', () => resolve());
  });

describe('quota store outage', () => {
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) {
      child.kill('SIGKILL');
      await stopped(child);
    }
  });

  it('fails open and closed as declared while Redis is down, and recovers when it returns', async () => {
    const port = await freePort();
    children.push(await startRedis(port));
    const store = openStore(`redis://127.0.0.1:${port}?prefix=outage:`);
    const events: QuotaEvent[] = [];
    const quotas = createQuotas({
      store,
      definitions: DEFINITIONS,
      storeTimeoutMs: 500,
      storeRetryMs: 100,
      onEvent: (event) => events.push(event),
    });
    const app = Fastify({ logger: false });
    await app.register(fastifyQuota, { quotas, key: () => 'acme' });
    app.post('/closed', { config: { quota: ['closed_daily'] } }, async () => ({ ok: true }));
    const consume = (name: string) => quotas.consume({ organization: 'acme', quotas: [name] });

    expect((await consume('open_daily')).source).toBe('store');
    expect((await consume('closed_daily')).source).toBe('store');

    children[0]?.kill('SIGKILL');
    await stopped(children[0] as ChildProcess);
    const degraded = await consume('open_daily');
    expect(degraded).toMatchObject({ admitted: true, source: 'fallback' });
    expect((await consume('open_daily')).admitted).toBe(true);
    // the fallback counts on its own, and is bounded by the same limit
    expect(await consume('open_daily')).toMatchObject({ admitted: false, source: 'fallback' });
    await expect(consume('closed_daily')).rejects.toSatisfy((e) =>
      hasCode(e, errors.QUOTA_STORE_UNAVAILABLE),
    );
    const refused = await app.inject({ method: 'POST', url: '/closed' });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toMatchObject({ code: 'BW_QUOTA_STORE_UNAVAILABLE', status: 503 });
    expect(events.some((e) => e.type === 'store-unavailable' && e.failOpen)).toBe(true);

    children.push(await startRedis(port));
    let back: Awaited<ReturnType<typeof consume>> | undefined;
    for (let i = 0; i < 100 && back?.source !== 'store'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      back = await consume('open_daily').catch(() => undefined);
    }
    expect(back).toMatchObject({ admitted: true, source: 'store' });
    expect(events.some((e) => e.type === 'store-recovered')).toBe(true);
    const served = await app.inject({ method: 'POST', url: '/closed' });
    expect(served.statusCode).toBe(200);
    await app.close();
    await store.close();
  });

  it('decides from the fallback against a dead port (fail open) or answers 503 (fail closed)', async () => {
    for (const url of ['redis://127.0.0.1:1', 'postgres://postgres@127.0.0.1:1/test']) {
      const store = openStore(url);
      const quotas = createQuotas({ store, definitions: DEFINITIONS, storeTimeoutMs: 1_000 });
      const open = await quotas.consume({ organization: 'acme', quotas: ['open_daily'] });
      expect(open).toMatchObject({ admitted: true, source: 'fallback' });
      await expect(
        quotas.consume({ organization: 'acme', quotas: ['closed_daily'] }),
      ).rejects.toSatisfy((e) => hasCode(e, errors.QUOTA_STORE_UNAVAILABLE));
      // a request touching both fails closed: one fail-closed quota is enough
      await expect(
        quotas.consume({ organization: 'acme', quotas: ['open_daily', 'closed_daily'] }),
      ).rejects.toSatisfy((e) => hasCode(e, errors.QUOTA_STORE_UNAVAILABLE));
      await store.close();
    }
  });

  it('keeps the fallback bounded: keys not used lately are forgotten first', async () => {
    const fallback = memoryQuotaStore({ maxKeys: 2, history: false });
    const quotas = createQuotas({ store: fallback, definitions: DEFINITIONS, now: () => 0 });
    const use = (organization: string) => quotas.consume({ organization, quotas: ['open_daily'] });
    await use('a');
    await use('a');
    expect((await use('a')).admitted).toBe(false);
    // second chance: a was used since it came in, so it outlives one round of eviction
    for (const other of ['b', 'c', 'd', 'e']) await use(other);
    expect((await use('a')).admitted).toBe(true);
  });
});
