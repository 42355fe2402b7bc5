import type { ChildProcess } from 'node:child_process';
import { fetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnTs } from '../support/processes.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts the fixture; resolves once it listens, with its port and a view of its stdout. */
async function startFixture(env: NodeJS.ProcessEnv = {}) {
  const child = spawnTs('test/http/fixtures/signal-server.ts', [], { env });
  children.push(child);
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
    for (const wake of waiters) wake();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
      const match = /listening (\d+)/.exec(stderr);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', () => reject(new Error(`fixture exited early: ${stderr}`)));
  });
  const logged = (text: string) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        if (!stdout.includes(text)) return;
        waiters.delete(wake);
        resolve();
      };
      waiters.add(wake);
      wake();
    });
  return { child, port, exited, logged, stdout: () => stdout };
}

describe('signals in a real process', () => {
  it('SIGTERM drains the in-flight request, runs the closers and exits 0', async () => {
    const { child, port, exited, logged, stdout } = await startFixture();
    const slow = fetch(`http://127.0.0.1:${port}/slow`);
    await logged('slow entered');
    child.kill('SIGTERM');
    const res = await slow;
    expect(res.status).toBe(200);
    expect(res.headers.get('connection')).toBe('close');
    expect(await res.json()).toEqual({ done: true });
    expect(await exited).toBe(0);
    const lines = stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const messages = lines.map((l) => l.msg);
    expect(messages).toContain('signal received, shutting down');
    expect(lines.find((l) => l.msg === 'request')).toMatchObject({ route: '/slow', status: 200 });
    expect(messages.indexOf('closer ran')).toBeGreaterThan(messages.indexOf('request'));
    expect(lines.at(-1)).toMatchObject({ msg: 'shutdown complete', code: 0 });
  });

  it('exits 1 when in-flight requests outlast the shutdown timeout', async () => {
    const { child, port, exited, logged } = await startFixture({
      HANG: '1',
      SHUTDOWN_TIMEOUT_MS: '200',
    });
    const slow = fetch(`http://127.0.0.1:${port}/slow`).catch((error: unknown) => error);
    await logged('slow entered');
    child.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(await slow).toBeInstanceOf(Error);
  });
});
