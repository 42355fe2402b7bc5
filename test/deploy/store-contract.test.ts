import { afterAll, expect, it } from 'vitest';
import { openDeployStore } from '../../src/deploy/open-store.js';
import { EMPTY_STATE, type Release } from '../../src/deploy/state.js';
import { migrateBreakwater } from '../../src/migrate/own.js';
import { openStore } from '../../src/store/open.js';
import type { SqlStore } from '../../src/store/types.js';
import { cleanupBackends, describeBackends } from '../support/backends.js';

afterAll(cleanupBackends);

const release = (id: number, label: string): Release => ({
  id: `r${id}`,
  deployId: id,
  label,
  color: 'green',
  command: ['node', 'app.js'],
  url: 'http://127.0.0.1:4000',
  pid: 123,
  instance: 'abc',
});

describeBackends('deploy store', ['sqlite', 'postgres'], (backend) => {
  it('keeps the router state per service and an append-only history with phases, outcome and reason', async () => {
    const store = openStore(await backend.url()) as SqlStore;
    try {
      await migrateBreakwater(store);
      const deploys = openDeployStore(store, 'svc-a');
      const other = openDeployStore(store, 'svc-b');
      expect(await deploys.loadState()).toBeUndefined();

      const t0 = new Date('2026-01-02T03:04:05.000Z');
      const id = await deploys.begin(
        {
          kind: 'deploy',
          label: 'v2',
          command: 'node app.js',
          strategy: 'blue-green',
          actor: 'ann@host',
          at: t0,
        },
        { actor: 'ann@host' },
      );
      const deploying = { ...EMPTY_STATE, deploying: release(id, 'v2') };
      await deploys.record(
        id,
        { phase: 'starting', at: '2026-01-02T03:04:06.000Z', detail: {} },
        deploying,
      );
      expect(await deploys.loadState()).toEqual(deploying);
      expect(await other.loadState()).toBeUndefined();
      expect((await deploys.get(id))?.outcome).toBeNull();

      await deploys.record(
        id,
        {
          phase: 'failed',
          at: '2026-01-02T03:04:09.500Z',
          detail: { reason: 'exited with code 1' },
        },
        EMPTY_STATE,
      );
      const failed = await deploys.get(id);
      expect(failed).toMatchObject({
        id,
        service: 'svc-a',
        kind: 'deploy',
        label: 'v2',
        command: 'node app.js',
        actor: 'ann@host',
        createdAt: t0.toISOString(),
        outcome: 'failed',
        reason: 'exited with code 1',
        finishedAt: '2026-01-02T03:04:09.500Z',
      });
      expect(failed?.phases.map((p) => [p.phase, p.at])).toEqual([
        ['requested', t0.toISOString()],
        ['starting', '2026-01-02T03:04:06.000Z'],
        ['failed', '2026-01-02T03:04:09.500Z'],
      ]);
      expect(await deploys.loadState()).toEqual(EMPTY_STATE);

      const second = await deploys.begin({
        kind: 'rollback',
        label: 'v1',
        command: ['node', 'a.js'],
        strategy: 'blue-green',
        actor: 'bob',
        at: new Date(),
      });
      await deploys.record(second, {
        phase: 'switching',
        at: new Date().toISOString(),
        detail: {},
      });
      await deploys.record(second, {
        phase: 'rolled-back',
        at: new Date().toISOString(),
        detail: { reason: 'rolled back by bob' },
      });
      const history = await deploys.history();
      expect(history.map((r) => [r.id, r.outcome])).toEqual([
        [second, 'rolled-back'],
        [id, 'failed'],
      ]);
      expect(history[0]?.command).toEqual(['node', 'a.js']);
      expect(await deploys.history({ limit: 1 })).toHaveLength(1);
      expect(await other.history()).toEqual([]);
      expect(await other.get(id)).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
