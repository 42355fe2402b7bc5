import { type ChildProcess, spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../../src/deploy/free-port.js';
import { isRunning } from '../../src/deploy/orphans.js';
import { cleanupBackends, tempDir } from '../support/backends.js';
import { appArgv, appCommand, cli, eventually, FAST_DEPLOY, get, servesLabel } from './support.js';

afterAll(cleanupBackends);

const LOADER = pathToFileURL(path.resolve('node_modules/tsx/dist/loader.mjs')).href;
const MAIN = path.resolve('src/cli/main.ts');

interface Up {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `breakwater up` as its own process (node --import tsx, so SIGKILL hits the router itself). */
async function up(cwd: string): Promise<Up> {
  const child = spawn(process.execPath, ['--import', LOADER, MAIN, 'up'], {
    cwd,
    env: { ...process.env, BREAKWATER_ADMIN_TOKEN: '', BREAKWATER_STORE: '', PORT: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk) => {
    text += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    text += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`up exited: ${text}`);
    if (!/admin API on http/.test(text)) throw new Error('not up yet');
  }, 30_000);
  return { child, output: () => text, exited };
}

it('a SIGKILLed router comes back routing to the same version, stops leftovers, aborts the interrupted deploy', async () => {
  const root = tempDir();
  const [routerPort, adminPort] = [await freePort(), await freePort()];
  writeFileSync(
    path.join(root, 'breakwater.config.json'),
    JSON.stringify({
      service: 'restart-svc',
      router: { port: routerPort },
      admin: { port: adminPort },
      app: { command: appArgv('v1'), healthPath: '/health' },
      deploy: { ...FAST_DEPLOY, rollbackWindowMs: 120_000 },
    }),
  );
  const routerUrl = `http://127.0.0.1:${routerPort}`;
  // the CLI finds the admin address in the config and the token in .breakwater/admin-token
  const local = { cwd: root, env: {} };

  let first: Up | undefined = await up(root);
  let second: Up | undefined;
  let third: Up | undefined;
  const orphans: number[] = []; // app pids a SIGKILLed router leaves, stopped if the test fails
  try {
    // The token line follows the "router on" line that up() waits for; it may lag under load.
    const firstUp = first;
    await eventually(async () => {
      if (!/admin token \(generated\): bwa_/.test(firstUp.output()))
        throw new Error('no token line yet');
    });
    expect(statSync(path.join(root, '.breakwater', 'admin-token')).mode & 0o777).toBe(0o600);
    await servesLabel(routerUrl, 'v1');
    const deployed = await cli(['deploy', '--command', appCommand('v2'), '--label', 'v2'], local);
    expect(deployed.code).toBe(0);
    await servesLabel(routerUrl, 'v2');
    const before = JSON.parse((await cli(['status', '--json'], local)).stdout);
    expect(before.active.label).toBe('v2');
    expect(before.standby.label).toBe('v1');
    orphans.push(before.active.pid, before.standby.pid);

    first.child.kill('SIGKILL');
    await first.exited;
    first = undefined;
    expect(isRunning(before.active.pid)).toBe(true); // orphans of the killed router

    second = await up(root);
    await servesLabel(routerUrl, 'v2');
    await eventually(async () => {
      if (isRunning(before.active.pid) || isRunning(before.standby.pid))
        throw new Error('leftovers still run');
    });
    const after = JSON.parse((await cli(['status', '--json'], local)).stdout);
    expect(after.active).toMatchObject({ label: 'v2', running: true });
    expect(after.standby).toMatchObject({ label: 'v1', running: true });
    expect(after.active.pid).not.toBe(before.active.pid);

    // a deploy under way when the router dies is recorded as aborted on restart
    const pending = cli(
      [
        'deploy',
        '--command',
        appCommand('v3', '--mode', 'slow-start', '--delay', '60000'),
        '--label',
        'v3',
      ],
      local,
    );
    await eventually(async () => {
      const status = JSON.parse((await cli(['status', '--json'], local)).stdout);
      if (status.deploying?.progress.phase !== 'health') throw new Error('not in health yet');
    });
    second.child.kill('SIGKILL');
    await second.exited;
    second = undefined;
    const interrupted = await pending;
    expect(interrupted.code).toBe(2); // the admin API went away mid-deploy: an error, not a refusal
    expect(interrupted.stderr).toMatch(/cannot reach the router's admin API/);

    third = await up(root);
    await servesLabel(routerUrl, 'v2');
    const history = JSON.parse((await cli(['history', '--json'], local)).stdout) as Array<
      Record<string, unknown>
    >;
    expect(history[0]).toMatchObject({
      label: 'v3',
      outcome: 'aborted',
      reason: 'the router restarted during the deploy',
    });
    expect(history.map((r) => `${r.kind}:${r.label}:${r.outcome}`)).toEqual([
      'deploy:v3:aborted',
      'deploy:v2:promoted',
      'start:v1:promoted',
    ]);
    expect((await get(`${routerUrl}/`)).label).toBe('v2');

    const activePid = JSON.parse((await cli(['status', '--json'], local)).stdout).active
      .pid as number;
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
    third = undefined;
    expect(isRunning(activePid)).toBe(false);
  } finally {
    for (const running of [first, second, third]) {
      if (running) {
        running.child.kill('SIGTERM');
        await running.exited;
      }
    }
    for (const pid of orphans) if (isRunning(pid)) process.kill(-pid, 'SIGKILL');
  }
}, 120_000);
