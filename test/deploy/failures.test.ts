import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { SqliteStore } from '../../src/store/types.js';
import { cleanupBackends, tempDir } from '../support/backends.js';
import { startLoad } from './load.js';
import { appCommand, cli, servesLabel, startInProcess } from './support.js';

afterAll(cleanupBackends);

interface Record {
  label: string;
  kind: string;
  outcome: string;
  reason: string | null;
  phases: Array<{ phase: string }>;
}

it('a green that crashes, never gets healthy, fails health+json, smoke or data checks leaves blue serving', async () => {
  const root = tempDir();
  const storeUrl = `sqlite:${path.join(root, 'state.db')}`;
  const bw = await startInProcess(root, {
    store: storeUrl,
    deploy: {
      // room for a green to start on a loaded CI machine: with 4 s, `hfail` once started so
      // late that its last probe timed out at the deadline
      timeoutMs: 8_000,
      smoke: [{ method: 'GET', path: '/smoke', expectStatus: 200 }],
      checks: [{ name: 'no orphaned rows', sql: 'SELECT id FROM bad_rows' }],
    },
  });
  const store = openStore(storeUrl) as SqliteStore;
  store.db.exec('CREATE TABLE bad_rows (id INTEGER PRIMARY KEY)');
  const admin = ['--admin', bw.adminUrl];
  try {
    await servesLabel(bw.routerUrl, 'v1');
    const load = startLoad(bw.routerUrl, { rps: 200, slowEveryMs: 500, slowMs: 800 });

    const refused = async (label: string, ...mode: string[]) => {
      const result = await cli([
        'deploy',
        ...admin,
        '--command',
        appCommand(label, ...mode),
        '--label',
        label,
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/deploy #\d+ failed: /);
      const status = JSON.parse((await cli(['status', ...admin, '--json'])).stdout);
      expect(status.active.label).toBe('v1');
      expect(status.deploying).toBeNull();
      return result;
    };
    await refused('crash', '--mode', 'crash');
    await refused('never', '--mode', 'never-healthy');
    await refused('hfail', '--mode', 'health-fail');
    await refused('smoke', '--mode', 'smoke-fail');
    store.db.exec('INSERT INTO bad_rows (id) VALUES (1)');
    await refused('data');
    store.db.exec('DELETE FROM bad_rows');

    // health+json "warn" counts as ready
    const warn = await cli([
      'deploy',
      ...admin,
      '--command',
      appCommand('warn', '--mode', 'health-warn'),
      '--label',
      'warn',
    ]);
    expect(warn.code).toBe(0);
    await servesLabel(bw.routerUrl, 'warn');

    // abort while green is still starting
    const slow = cli([
      'deploy',
      ...admin,
      '--command',
      appCommand('slow', '--mode', 'slow-start', '--delay', '60000'),
      '--label',
      'slow',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const abort = await cli(['abort', ...admin]);
    expect(abort.code).toBe(0);
    expect(abort.stdout).toMatch(/aborted/);
    expect((await slow).code).toBe(1);
    expect((await cli(['abort', ...admin])).code).toBe(1); // nothing to abort: refused

    const { failures } = await load.stop();
    expect(failures).toEqual([]);
    await servesLabel(bw.routerUrl, 'warn');

    const records = JSON.parse((await cli(['history', ...admin, '--json'])).stdout) as Record[];
    const why = (label: string) => records.find((r) => r.label === label);
    expect(why('crash')).toMatchObject({
      outcome: 'failed',
      reason: expect.stringMatching(/exited with code 3 before becoming healthy/),
    });
    expect(why('never')).toMatchObject({
      outcome: 'failed',
      reason: expect.stringMatching(/not healthy within the deploy timeout \(last probe: 503\)/),
    });
    expect(why('hfail')).toMatchObject({
      outcome: 'failed',
      reason: expect.stringMatching(/200 fail/),
    });
    expect(why('smoke')).toMatchObject({
      outcome: 'failed',
      reason: 'smoke GET /smoke: expected 200, got 500',
    });
    expect(why('data')).toMatchObject({
      outcome: 'failed',
      reason: 'consistency check "no orphaned rows" returned 1 row(s)',
    });
    expect(why('slow')).toMatchObject({
      outcome: 'aborted',
      reason: expect.stringMatching(/^aborted by /),
    });
    expect(why('warn')?.phases.map((p) => p.phase)).toEqual([
      'requested',
      'starting',
      'health',
      'smoke',
      'consistency',
      'switching',
      'promoted',
    ]);
    // failed greens were stopped: only the active and the standby still run
    const status = JSON.parse((await cli(['status', ...admin, '--json'])).stdout);
    expect(status.active).toMatchObject({ label: 'warn', running: true });
    expect(status.standby).toMatchObject({ label: 'v1', running: true });
  } finally {
    await store.close();
    await bw.close();
  }
}, 120_000);
