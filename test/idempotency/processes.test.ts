import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { SqlStore, Store } from '../../src/store/types.js';
import { createBusinessTable } from '../fixtures/idempotency/app.js';
import { migrateIdempotency } from '../fixtures/idempotency/migrate.js';
import { cleanupBackends, describeBackends, tempDir } from '../support/backends.js';
import { spawnTs } from '../support/processes.js';

afterAll(cleanupBackends);

const SERVER = 'test/fixtures/idempotency/server.ts';
const LEASE_MS = 60_000; // the fixture's default lease

interface Server {
  port: number;
  pid: number;
  child: ChildProcess;
  /** Resolves when the child prints `line` on stdout. */
  printed(line: string): Promise<void>;
  exited: Promise<void>;
}

function startServer(env: Record<string, string>): Promise<Server> {
  const child = spawnTs(SERVER, [], { env });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ line: string; resolve: () => void }> = [];
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
      const match = /PORT (\d+) PID (\d+)/.exec(stdout);
      if (match) {
        resolve({
          port: Number(match[1]),
          pid: Number(match[2]),
          child,
          exited,
          printed: (line) =>
            stdout.split('\n').includes(line)
              ? Promise.resolve()
              : new Promise((r) => waiters.push({ line, resolve: r })),
        });
      }
      for (const waiter of waiters) if (stdout.split('\n').includes(waiter.line)) waiter.resolve();
    });
    child.on('exit', (code) =>
      reject(new Error(`server exited (${code}) before listening: ${stderr}`)),
    );
  });
}

async function send(
  server: Server,
  url: string,
  key: string,
  headers: Record<string, string> = {},
) {
  const response = await request(`http://127.0.0.1:${server.port}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key, ...headers },
    body: JSON.stringify({ item: 'tea', qty: 2 }),
  });
  const body = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: response.headers, body };
}

async function setClock(server: Server, offsetMs: number): Promise<void> {
  const response = await request(`http://127.0.0.1:${server.port}/clock`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ offsetMs }),
  });
  await response.body.dump();
}

async function executions(server: Server): Promise<number> {
  const response = await request(`http://127.0.0.1:${server.port}/stats`);
  return ((await response.body.json()) as { executions: number }).executions;
}

describeBackends('idempotency across processes', ['sqlite', 'postgres', 'redis'], (backend) => {
  let store: Store;
  let business: SqlStore;
  let businessUrl: string;
  let s1: Server;
  let s2: Server;
  const servers: Server[] = [];

  beforeAll(async () => {
    const url = await backend.url();
    store = openStore(url);
    await migrateIdempotency(store);
    businessUrl = store.kind === 'redis' ? `sqlite:${path.join(tempDir(), 'business.db')}` : url;
    business = (store.kind === 'redis' ? openStore(businessUrl) : store) as SqlStore;
    await createBusinessTable(business);
    const env = { IDEM_STORE: url, IDEM_BUSINESS: businessUrl };
    [s1, s2] = await Promise.all([
      startServer({ ...env, IDEM_DELAY_MS: '300' }),
      startServer({ ...env, IDEM_DELAY_MS: '300' }),
    ]);
    servers.push(s1, s2);
  }, 60_000);

  afterAll(async () => {
    for (const server of servers) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    if (business !== store) await business.close();
    await store.close();
  });

  async function orders(key: string): Promise<number> {
    const sql = 'SELECT count(*) AS n FROM orders WHERE idem_key = ';
    if (business.kind === 'sqlite')
      return (business.db.prepare(`${sql}?`).get(key) as { n: number }).n;
    return Number((await business.pool.query(`${sql}$1`, [key])).rows[0].n);
  }

  async function keyState(key: string): Promise<string | undefined> {
    if (store.kind === 'redis') return undefined;
    const sql = 'SELECT state FROM breakwater_idempotency_keys WHERE idempotency_key = ';
    if (store.kind === 'sqlite') {
      return (store.db.prepare(`${sql}?`).get(key) as { state: string } | undefined)?.state;
    }
    return (await store.pool.query(`${sql}$1`, [key])).rows[0]?.state;
  }

  it('100 concurrent requests with one key over two processes run the handler once', async () => {
    const key = randomUUID();
    const before = (await executions(s1)) + (await executions(s2));
    const burst = await Promise.all(
      Array.from({ length: 100 }, (_, i) => send(i % 2 === 0 ? s1 : s2, '/orders', key)),
    );
    const retries = await Promise.all(
      [s1, s2, s1, s2].map((server) => send(server, '/orders', key)),
    );
    const answers = [...burst, ...retries];

    const originals = answers.filter((a) => a.status === 201 && !a.headers['idempotent-replayed']);
    expect(originals).toHaveLength(1);
    const original = originals[0]?.body as Buffer;
    const replays = answers.filter((a) => a.headers['idempotent-replayed'] === 'true');
    const busy = answers.filter((a) => a.status === 409);
    expect(replays.length + busy.length).toBe(answers.length - 1);
    expect(replays.length).toBeGreaterThanOrEqual(4);
    for (const replay of replays) {
      expect(replay.status).toBe(201);
      expect(replay.body.equals(original)).toBe(true);
    }
    for (const answer of busy) {
      expect(JSON.parse(answer.body.toString()).code).toBe('BW_IDEMPOTENCY_IN_FLIGHT');
      expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    expect(await orders(key)).toBe(1);
    expect((await executions(s1)) + (await executions(s2)) - before).toBe(1);
  });

  // Declared last: it kills s2.
  it('kill -9 of a holder: past the lease a retry runs; a killed transaction leaves neither', async () => {
    const holder = s2;
    const plain = randomUUID();
    const tx = randomUUID();
    const transactional = store.kind !== 'redis'; // Redis keys cannot share the business transaction
    send(holder, '/orders', plain, { 'x-hang': '1' }).catch(() => {}); // dies with its server
    await holder.printed('HOLDING');
    expect((await send(s1, '/orders', plain)).status).toBe(409);
    if (transactional) {
      // last: on SQLite the holder now blocks inside BEGIN IMMEDIATE with the business row written
      send(holder, '/orders-tx', tx, { 'x-hang': '1' }).catch(() => {});
      await holder.printed('IN_TX');
    }
    process.kill(holder.pid, 'SIGKILL');
    await holder.exited;

    // still within the lease: nobody may run either key yet
    expect((await send(s1, '/orders', plain)).status).toBe(409);
    if (transactional) {
      expect(await orders(tx)).toBe(0); // the business write rolled back with the process
      expect(await keyState(tx)).toBe('in_flight'); // the claim committed on its own, never completed
      expect((await send(s1, '/orders-tx', tx)).status).toBe(409);
    }

    await setClock(s1, LEASE_MS + 1_000); // s1 now sees the dead holder's leases expired
    try {
      const before = await executions(s1);
      const rerun = await send(s1, '/orders', plain);
      expect(rerun.status).toBe(201);
      expect(rerun.headers['idempotent-replayed']).toBeUndefined();
      expect((await executions(s1)) - before).toBe(1);
      const replay = await send(s1, '/orders', plain);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body.equals(rerun.body)).toBe(true);
      if (transactional) {
        const rerunTx = await send(s1, '/orders-tx', tx);
        expect(rerunTx.status).toBe(201);
        expect(await orders(tx)).toBe(1);
        expect(await keyState(tx)).toBe('completed');
        expect((await send(s1, '/orders-tx', tx)).body.equals(rerunTx.body)).toBe(true);
      }
    } finally {
      await setClock(s1, 0);
    }
  });
});
