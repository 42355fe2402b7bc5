import type { ChildProcess } from 'node:child_process';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { migrateBreakwater } from '../../src/migrate/index.js';
import { openStore } from '../../src/store/open.js';
import {
  backends,
  cleanupBackends,
  describeBackends,
  requestedBackends,
  unavailableReason,
} from '../support/backends.js';
import { spawnTs } from '../support/processes.js';

afterAll(cleanupBackends);

const SERVER = 'test/fixtures/quota/server.ts';
const REQUESTS = 1_000;

interface Server {
  port: number;
  child: ChildProcess;
  exited: Promise<void>;
}

function startServer(env: Record<string, string>): Promise<Server> {
  const child = spawnTs(SERVER, [], { env });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
      const match = /PORT (\d+) PID/.exec(stdout);
      if (match) resolve({ port: Number(match[1]), child, exited });
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
  });
}

const servers: Server[] = [];
const agent = new Agent({ connections: 600, pipelining: 0 });

// one pair of server processes serves every backend: spawning is the slow part
beforeAll(async () => {
  const env: Record<string, string> = {};
  for (const kind of requestedBackends()) {
    if (unavailableReason(kind) !== undefined) continue;
    const url = await backends[kind].url();
    const store = openStore(url);
    if (store.kind !== 'redis') await migrateBreakwater(store);
    await store.close();
    env[`QUOTA_STORE_${kind.toUpperCase()}`] = url;
  }
  servers.push(...(await Promise.all([startServer(env), startServer(env)])));
}, 60_000);

afterAll(async () => {
  for (const server of servers) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  await agent.close();
});

describeBackends('quotas across two processes', ['sqlite', 'postgres', 'redis'], (backend) => {
  async function burst(route: string, org: string): Promise<number[]> {
    return Promise.all(
      Array.from({ length: REQUESTS }, async (_, i) => {
        const server = servers[i % 2] as Server;
        const response = await request(`http://127.0.0.1:${server.port}/${backend.kind}${route}`, {
          method: 'POST',
          headers: { 'x-org': org },
          dispatcher: agent,
        });
        await response.body.dump();
        return response.statusCode;
      }),
    );
  }

  async function usage(org: string): Promise<Record<string, number>> {
    const url = `http://127.0.0.1:${servers[0]?.port}/${backend.kind}/usage/${org}`;
    const response = await request(url, { dispatcher: agent });
    const report = (await response.body.json()) as {
      quotas: Array<{ quota: string; used: number }>;
    };
    return Object.fromEntries(report.quotas.map((q) => [q.quota, q.used]));
  }

  it('admits exactly 100 of 1,000 concurrent requests against a limit of 100', async () => {
    const statuses = await burst('/one', 'org-one');
    expect(statuses.filter((s) => s === 200)).toHaveLength(100);
    expect(statuses.filter((s) => s === 429)).toHaveLength(REQUESTS - 100);
    expect((await usage('org-one')).daily).toBe(100);
  }, 60_000);

  it('never consumes one quota of a request when another refuses it', async () => {
    const statuses = await burst('/multi', 'org-multi');
    expect(statuses.filter((s) => s === 200)).toHaveLength(100);
    expect(statuses.filter((s) => s === 429)).toHaveLength(REQUESTS - 100);
    // calls has room for all 1,000, but only the 100 admitted requests consumed it
    expect(await usage('org-multi')).toMatchObject({ calls: 100, items: 100 });
  }, 60_000);
});
