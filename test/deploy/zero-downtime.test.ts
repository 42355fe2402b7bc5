import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cleanupBackends, tempDir } from '../support/backends.js';
import { startLoad } from './load.js';
import { appCommand, cli, servesLabel, startInProcess } from './support.js';

afterAll(cleanupBackends);

it('10 blue-green deploys and 5 rollbacks under steady load fail no request', async () => {
  const root = tempDir();
  // Long requests (3 s) outlive the rollback window (2.5 s): the retired version must drain.
  const bw = await startInProcess(root, {
    store: `sqlite:${path.join(root, 'state.db')}`,
    deploy: { rollbackWindowMs: 2_500 },
  });
  try {
    await servesLabel(bw.routerUrl, 'v1');
    const load = startLoad(bw.routerUrl, { rps: 300, slowEveryMs: 250, slowMs: 3_000 });
    const switches: number[] = [];
    const admin = ['--admin', bw.adminUrl];
    let expected = 'v1';
    let previous = 'v1';
    for (let i = 2; i <= 11; i++) {
      const label = `v${i}`;
      const deploy = await cli([
        'deploy',
        ...admin,
        '--command',
        appCommand(label),
        '--label',
        label,
      ]);
      expect(deploy.stderr).toBe('');
      expect(deploy.code).toBe(0);
      expect(deploy.stdout).toMatch(new RegExp(`deploy #\\d+ ${label}: promoted`));
      switches.push(Date.now());
      [previous, expected] = [expected, label];
      if (i % 2 === 1) {
        await new Promise((resolve) => setTimeout(resolve, 400)); // let long requests pile up on it
        const rollback = await cli(['rollback', ...admin]);
        expect(rollback.code).toBe(0);
        switches.push(Date.now());
        [previous, expected] = [expected, previous];
      }
      await new Promise((resolve) => setTimeout(resolve, 400));
      await servesLabel(bw.routerUrl, expected);
    }
    const { samples, failures } = await load.stop();

    expect(failures).toEqual([]);
    expect(samples.length).toBeGreaterThan(2_000);
    const slow = samples.filter((s) => s.path.startsWith('/slow'));
    const straddling = slow.filter((s) => switches.some((t) => s.start < t && s.end > t));
    expect(straddling.length).toBeGreaterThan(10);
    expect(straddling.every((s) => s.status === 200)).toBe(true);
    const labels = new Set(samples.map((s) => s.label));
    for (let i = 1; i <= 11; i++) expect(labels.has(`v${i}`)).toBe(true);

    const history = await cli(['history', ...admin, '--json', '--limit', '100']);
    const records = JSON.parse(history.stdout) as Array<{ kind: string; outcome: string }>;
    expect(records.filter((r) => r.kind === 'deploy' && r.outcome === 'promoted')).toHaveLength(10);
    expect(
      records.filter((r) => r.kind === 'rollback' && r.outcome === 'rolled-back'),
    ).toHaveLength(5);
  } finally {
    await bw.close();
  }
}, 150_000);
