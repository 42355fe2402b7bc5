import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateBreakwater } from '../../src/migrate/index.js';
import {
  type BreakerCluster,
  BreakerRegistry,
  breakerClusterStore,
  type ClusterView,
  createBreakerCluster,
  openShare,
  quorumOpen,
} from '../../src/resilience/index.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import { cleanupBackends, describeBackends, tempDir } from '../support/backends.js';
import { poll } from '../support/eventually.js';
import { spawnTs } from '../support/processes.js';

afterAll(cleanupBackends);

/** The bound the tests hold the other process to: poll every 200 ms, obeyed within 2 s. */
const POLL_MS = 200;
const BOUND_MS = 2_000;

async function openMigrated(url: string): Promise<Store> {
  const store = openStore(url);
  if (store.kind !== 'redis') await migrateBreakwater(store);
  return store;
}

/** A child instance whose JSON lines can be awaited. */
function startChild(args: string[]) {
  const child = spawnTs('test/fixtures/resilience/cluster-instance.ts', args);
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  let buffer = '';
  const waiters = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      lines.push(JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>);
      buffer = buffer.slice(nl + 1);
    }
    for (const wake of waiters) wake();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  /** The first line from `from` on matching `match`, or a failure after `withinMs`. */
  const waitFor = (match: Record<string, unknown>, withinMs: number, from = 0) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = lines
          .slice(from)
          .find((line) => Object.entries(match).every(([k, v]) => line[k] === v));
        if (!found) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `no ${JSON.stringify(match)} within ${withinMs} ms; lines ${JSON.stringify(lines)}; stderr ${stderr}`,
          ),
        );
      }, withinMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const stop = (proc: ChildProcess = child) =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  return { lines, waitFor, stop, stderr: () => stderr };
}

const childState = (cluster: BreakerCluster) => async () =>
  (await cluster.states()).find((s) => s.instance === 'child');

describe('the open-percent rule (pure)', () => {
  const now = 100_000;
  const view: ClusterView = {
    instances: [
      { instance: 'me', heartbeatAt: now, startedAt: 0 },
      { instance: 'a', heartbeatAt: now - 1_000, startedAt: 0 },
      { instance: 'b', heartbeatAt: now - 1_000, startedAt: 0 },
      { instance: 'stale', heartbeatAt: now - 60_000, startedAt: 0 },
      { instance: 'echo', heartbeatAt: now, startedAt: 0 },
    ],
    states: [
      { instance: 'a', breaker: 'x', state: 'OPEN', cause: 'local', since: 0, updatedAt: 0 },
      { instance: 'b', breaker: 'x', state: 'CLOSED', cause: 'local', since: 0, updatedAt: 0 },
      { instance: 'stale', breaker: 'x', state: 'OPEN', cause: 'local', since: 0, updatedAt: 0 },
      { instance: 'echo', breaker: 'x', state: 'OPEN', cause: 'cluster', since: 0, updatedAt: 0 },
      { instance: 'a', breaker: 'y', state: 'OPEN', cause: 'local', since: 0, updatedAt: 0 },
    ],
  };

  it('counts live peers only, and only breakers opened by their own failures', () => {
    const share = openShare(view, 'x', 'me', now, 5_000);
    expect(share).toEqual({ live: 4, open: 1 }); // me, a, b, echo; only a counts as open
    expect(quorumOpen(share, 25, 2)).toBe(true);
    expect(quorumOpen(share, 26, 2)).toBe(false);
    expect(quorumOpen({ live: 1, open: 0 }, 1, 2)).toBe(false);
    expect(openShare(view, 'y', 'me', now, 5_000)).toEqual({ live: 2, open: 1 });
  });
});

describe('cluster start-up', () => {
  it('fails on missing tables, but starts (and reports) when the store is down', async () => {
    const fresh = openStore(`sqlite:${path.join(tempDir(), 'fresh.db')}`);
    const registry = new BreakerRegistry();
    const unmigrated = createBreakerCluster({ store: fresh, registry, instanceId: 'x' });
    await expect(unmigrated.start()).rejects.toMatchObject({ code: 'BW_STORE_UNSUPPORTED' });
    await fresh.close();

    const down = openStore('postgres://postgres@127.0.0.1:1/test');
    const errors: string[] = [];
    const cluster = createBreakerCluster({
      store: down,
      registry,
      instanceId: 'y',
      onError: (_error, during) => errors.push(during),
    });
    await cluster.start();
    expect(errors).toEqual(['poll']);
    await expect(registry.get('payments').execute(async () => 'local breakers work')).resolves.toBe(
      'local breakers work',
    );
    await cluster.stop({ leave: false });
    await down.close();
  });
});

describeBackends('breaker cluster', ['sqlite', 'postgres', 'redis'], (backend) => {
  it('store: publishes states, versions overrides, leaves and prunes', async () => {
    const store = await openMigrated(await backend.url());
    try {
      const cluster = breakerClusterStore(store);
      await cluster.publish(
        'i-1',
        1_000,
        [
          { breaker: 'slack', state: 'OPEN', cause: 'local', since: 1_500 },
          { breaker: 'email', state: 'CLOSED', cause: 'local', since: 1_000 },
        ],
        2_000,
      );
      await cluster.publish(
        'i-1',
        1_000,
        [{ breaker: 'slack', state: 'HALF_OPEN', cause: 'local', since: 2_500 }],
        3_000,
      );
      await cluster.publish('i-2', 1_200, [], 2_900);
      const view = await cluster.view();
      expect(view.instances.sort((a, b) => a.instance.localeCompare(b.instance))).toEqual([
        { instance: 'i-1', heartbeatAt: 3_000, startedAt: 1_000 },
        { instance: 'i-2', heartbeatAt: 2_900, startedAt: 1_200 },
      ]);
      expect(view.states).toEqual([
        {
          instance: 'i-1',
          breaker: 'email',
          state: 'CLOSED',
          cause: 'local',
          since: 1_000,
          updatedAt: 2_000,
        },
        {
          instance: 'i-1',
          breaker: 'slack',
          state: 'HALF_OPEN',
          cause: 'local',
          since: 2_500,
          updatedAt: 3_000,
        },
      ]);

      expect(await cluster.setOverride('slack', 'open', 'alice', 4_000)).toEqual({
        breaker: 'slack',
        mode: 'open',
        version: 1,
        actor: 'alice',
        updatedAt: 4_000,
      });
      expect(await cluster.setOverride('slack', 'reset', 'bob', 5_000)).toMatchObject({
        mode: 'reset',
        version: 2,
        actor: 'bob',
      });
      await cluster.setOverride('email', 'close', 'carol', 5_000);
      const overrides = await cluster.overrides();
      expect(overrides.map((o) => `${o.breaker}:${o.mode}:${o.version}`).sort()).toEqual([
        'email:close:1',
        'slack:reset:2',
      ]);

      expect(await cluster.prune(2_950)).toBe(1); // i-2's heartbeat is older
      await cluster.leave('i-1');
      expect(await cluster.view()).toEqual({ instances: [], states: [] });
    } finally {
      await store.close();
    }
  });

  describe('two processes', () => {
    let url: string;
    let store: Store;
    let child: ReturnType<typeof startChild>;
    let cluster: BreakerCluster;
    const registry = new BreakerRegistry();
    const local = registry.get('payments', { consecutiveFailures: 1, openDurationMs: 60_000 });

    beforeAll(async () => {
      url = await backend.url();
      store = await openMigrated(url);
      child = startChild([url, 'child', String(POLL_MS), '50']);
      await child.waitFor({ ready: 'child' }, 25_000);
      cluster = createBreakerCluster({
        store,
        registry,
        instanceId: 'test',
        pollIntervalMs: POLL_MS,
        publishIntervalMs: POLL_MS,
        staleAfterMs: 5_000,
      });
      await cluster.start();
    });
    afterAll(async () => {
      await child?.stop();
      await cluster?.stop();
      await store?.close();
    });

    it(`obeys a force-open written by the other process within ${BOUND_MS} ms, then close and reset`, async () => {
      let from = child.lines.length;
      await cluster.override('payments', 'open', 'alice@test');
      expect(local.state).toBe('FORCED_OPEN'); // applied here at once
      await child.waitFor({ to: 'FORCED_OPEN', reason: 'forced-open' }, BOUND_MS, from);

      from = child.lines.length;
      await cluster.override('payments', 'close', 'alice@test');
      await child.waitFor({ to: 'DISABLED', reason: 'forced-closed' }, BOUND_MS, from);

      from = child.lines.length;
      await cluster.override('payments', 'reset', 'alice@test');
      await child.waitFor({ to: 'CLOSED', reason: 'reset' }, BOUND_MS, from);
      expect(local.state).toBe('CLOSED');

      const published = await poll(childState(cluster), (s) => s?.state === 'CLOSED', {
        timeoutMs: BOUND_MS,
        intervalMs: 50,
      });
      expect(published).toMatchObject({
        breaker: 'payments',
        state: 'CLOSED',
        live: true,
      });
    });

    it(`opens the other instance when 50 % of live instances report open, within ${BOUND_MS} ms`, async () => {
      const from = child.lines.length;
      await local
        .execute(async () => {
          throw new Error('payments down');
        })
        .catch(() => {});
      expect(local.state).toBe('OPEN');
      await child.waitFor({ to: 'OPEN', reason: 'cluster' }, BOUND_MS, from);

      // the child publishes its state with cause "cluster": it does not count as evidence
      const published = await poll(childState(cluster), (s) => s?.cause === 'cluster', {
        timeoutMs: BOUND_MS,
        intervalMs: 50,
      });
      expect(published).toMatchObject({ state: 'OPEN', cause: 'cluster' });
    });
  });
});
