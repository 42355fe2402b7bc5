import { afterAll, expect, it } from 'vitest';
import { instancePrefix } from '../../src/deploy/output.js';
import { cleanupBackends, describeBackends, tempDir } from '../support/backends.js';
import { appCommand, cli, eventually, get, servesLabel, startInProcess } from './support.js';

afterAll(cleanupBackends);

describeBackends('router state across restarts', ['sqlite', 'postgres'], (backend) => {
  it('restarts into the same active and standby, and restarts a crashed instance', async () => {
    const root = tempDir();
    const store = await backend.url();
    let bw = await startInProcess(root, { store });
    try {
      await servesLabel(bw.routerUrl, 'v1');
      const admin = () => ['--admin', bw.adminUrl];
      expect(
        (await cli(['deploy', ...admin(), '--command', appCommand('v2'), '--label', 'v2'])).code,
      ).toBe(0);
      await servesLabel(bw.routerUrl, 'v2');

      // the supervisor restarts a crashed active instance with backoff
      const before = JSON.parse((await cli(['status', ...admin(), '--json'])).stdout);
      expect((await get(`${bw.routerUrl}/crash`)).status).toBe(200);
      await eventually(async () => {
        const status = JSON.parse((await cli(['status', ...admin(), '--json'])).stdout);
        if (status.active.restarts !== 1 || !status.active.running)
          throw new Error('not restarted');
        expect(status.active.pid).not.toBe(before.active.pid);
      });
      await servesLabel(bw.routerUrl, 'v2');
      expect(
        bw.sink.lines.some((line) =>
          /^\[green v2\] exited \(code 1\); restarting in \d+ ms$/.test(line),
        ),
      ).toBe(true);

      await bw.close();
      bw = await startInProcess(root, { store });
      await servesLabel(bw.routerUrl, 'v2');
      const status = JSON.parse((await cli(['status', ...admin(), '--json'])).stdout);
      expect(status.active).toMatchObject({ label: 'v2', color: 'green', running: true });
      expect(status.standby).toMatchObject({ label: 'v1', color: 'blue', running: true });
      expect((await cli(['rollback', ...admin()])).code).toBe(0);
      await servesLabel(bw.routerUrl, 'v1');
    } finally {
      await bw.close();
    }
  }, 60_000);
});

it('prefixes instance output with its color and label, colored on a TTY', () => {
  expect(instancePrefix({ color: false, write: () => {} }, 'green', 'v2')).toBe('[green v2]');
  expect(instancePrefix({ color: true, write: () => {} }, 'blue', 'v1')).toBe(
    '\x1b[34m[blue v1]\x1b[0m',
  );
});
