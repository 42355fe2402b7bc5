import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../src/deploy/free-port.js';
import { cleanupBackends, tempDir } from '../support/backends.js';
import { appCommand, cli, servesLabel, startInProcess, TOKEN } from './support.js';

afterAll(cleanupBackends);

let bw: Awaited<ReturnType<typeof startInProcess>>;
let admin: string[];

beforeAll(async () => {
  const root = tempDir();
  bw = await startInProcess(root, { store: `sqlite:${path.join(root, 'state.db')}` });
  admin = ['--admin', bw.adminUrl];
  await servesLabel(bw.routerUrl, 'v1');
});
afterAll(() => bw.close());

it('exits 0 when promoted, 1 when refused, 2 on errors, one line on stderr', async () => {
  expect((await cli(['rollback', ...admin])).code).toBe(1); // no standby yet

  const deployed = await cli(['deploy', ...admin, '--command', appCommand('v2')]);
  expect(deployed.code).toBe(0);
  expect(deployed.stdout.trim().split('\n')).toEqual([
    expect.stringMatching(/^deploy #2 v2: requested|starting|health/),
    ...deployed.stdout
      .trim()
      .split('\n')
      .slice(1, -1)
      .map(() => expect.stringMatching(/^deploy #2 v2: \w+/)),
    expect.stringMatching(/^deploy #2 v2: promoted \(\d+\.\d s\)$/),
  ]);
  await servesLabel(bw.routerUrl, 'v2');

  const rolledBack = await cli(['rollback', ...admin]);
  expect(rolledBack).toMatchObject({ code: 0, stderr: '' });
  expect(rolledBack.stdout).toMatch(/^rollback #3 v1: rolled-back/);
  await servesLabel(bw.routerUrl, 'v1');

  const canary = await cli(['deploy', ...admin, '--strategy', 'linear']);
  expect(canary.code).toBe(2);
  expect(canary.stderr).toBe(
    'breakwater: unknown strategy "linear" (use blue-green or canary) [BW_DEPLOY_INVALID]\n',
  );

  const badLabel = await cli(['deploy', ...admin, '--label', 'has space']);
  expect(badLabel.code).toBe(2);
  expect(badLabel.stderr).toMatch(/label: must be 1-64/);

  const wrongToken = await cli(['status', ...admin], {
    env: { BREAKWATER_ADMIN_TOKEN: 'nope-nope-nope' },
  });
  expect(wrongToken.code).toBe(2);
  expect(wrongToken.stderr).toMatch(/a valid admin token is required \[BW_HTTP_UNAUTHORIZED\]/);

  const noToken = await cli(['status', ...admin], { env: {}, cwd: tempDir() });
  expect(noToken.code).toBe(2);
  expect(noToken.stderr).toMatch(/^breakwater: no admin token/);

  const unreachable = await cli(['status', '--admin', `http://127.0.0.1:${await freePort()}`]);
  expect(unreachable.code).toBe(2);
  expect(unreachable.stderr).toMatch(
    /cannot reach the router's admin API .*ECONNREFUSED.*\[BW_DEPLOY_ADMIN_UNREACHABLE\]\n$/,
  );
  expect(unreachable.stderr.split('\n')).toHaveLength(2);
});

it('status and history print text and JSON; every admin action is audited with its caller', async () => {
  const status = await cli(['status', ...admin]);
  expect(status.code).toBe(0);
  expect(status.stdout).toMatch(
    /^service {2}test-svc\nactive {3}blue v1 \(deploy #1\) http:\/\/127.0.0.1:\d+ pid \d+, \d+ in flight\nstandby {2}green v2/,
  );
  const history = await cli(['history', ...admin]);
  expect(history.stdout).toMatch(
    /#3 \S+ rollback v1 rolled-back by \S+@\S+ \(\d+\.\d s\): rolled back by/,
  );
  expect(history.stdout).toMatch(/#1 \S+ start v1 promoted by breakwater up/);

  const audit = await fetch(`${bw.adminUrl}/admin/v1/audit`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const { entries } = (await audit.json()) as { entries: Array<{ action: string; actor: string }> };
  expect(entries.map((e) => e.action)).toEqual(
    expect.arrayContaining(['deploy.start', 'deploy.rollback']),
  );
  expect(entries.every((e) => /@/.test(e.actor))).toBe(true);
});

it('shows one rewritten live line on a TTY and the final entry with --json', async () => {
  const tty = await cli(
    [
      'deploy',
      ...admin,
      '--command',
      appCommand('v3', '--mode', 'slow-start', '--delay', '600'),
      '--label',
      'v3',
    ],
    { tty: true },
  );
  expect(tty.code).toBe(0);
  const frames = tty.stdout.split('\r\x1b[2K').filter(Boolean);
  expect(frames.length).toBeGreaterThan(1);
  expect(
    frames.some((frame) =>
      /^deploy #\d+ v3: health \(probe \d+: (503|ECONNREFUSED)\) \d+\.\d s$/.test(frame),
    ),
  ).toBe(true);
  expect(frames.at(-1)).toMatch(/^deploy #\d+ v3: promoted \(\d+\.\d s\)\n$/);
  expect(tty.stdout.split('\n')).toHaveLength(2); // one line, rewritten, ended once

  const json = await cli([
    'deploy',
    ...admin,
    '--command',
    appCommand('v4'),
    '--label',
    'v4',
    '--json',
  ]);
  expect(json.code).toBe(0);
  expect(JSON.parse(json.stdout)).toMatchObject({
    kind: 'deploy',
    label: 'v4',
    outcome: 'promoted',
    strategy: 'blue-green',
  });
});
