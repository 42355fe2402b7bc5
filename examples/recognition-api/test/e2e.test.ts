import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cleanupBackends, describeBackends, tempDir } from '../../../test/support/backends.js';
import { runTs } from '../../../test/support/processes.js';
import { hashApiKey } from '../src/api-key.js';

/**
 * End to end through real processes: `main.ts` as its own process with a private working
 * directory (so its `.breakwater/` is private), driven over loopback, stopped with SIGTERM
 * under load.
 */
const MAIN = 'examples/recognition-api/src/main.ts';
const SHUTDOWN_TIMEOUT_MS = 5_000;
/** tsx's loader as an absolute URL: the child's working directory is a private temp dir. */
const TSX_LOADER = import.meta.resolve('tsx');
const KEY = 'rk_e2e_0123456789abcdefghijkl';

afterAll(cleanupBackends);

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

interface Started {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts main.ts as `node --import tsx`, one process: the tsx CLI would sit between the test
 * and the service and relay SIGTERM, and it SIGKILLs a child that does not acknowledge the
 * signal within 30 ms, which a loaded event loop can miss. The signal must reach the service.
 */
function spawnService(cwd: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', TSX_LOADER, path.resolve(MAIN)], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function start(cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Started> {
  const child = spawnService(cwd, {
    PORT: '0',
    HOST: '127.0.0.1',
    BREAKWATER_STORE: '',
    BREAKWATER_HASH_SECRET: undefined,
    DEMO_API_KEY: undefined,
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    ...env,
  });
  running.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    err += chunk;
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "listening" line:\n${out}\n${err}`)),
      20_000,
    );
    child.stdout?.on('data', () => {
      const match = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    void exit.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening:\n${out}\n${err}`));
    });
  });
  return { child, url, stdout: () => out, exit };
}

/** What happened to one request of the load loops. */
interface Outcome {
  startedAt: number;
  /** The trace id sent in `traceparent`; the server's request log line carries it. */
  traceId: string;
  status?: number;
  error?: string;
}

/** Connection-level failures a draining server may cause for requests sent after SIGTERM. */
const REFUSED = 'ECONNREFUSED';
const CLOSED_WHILE_IDLE = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);

describeBackends('recognition-api shutdown under load', ['sqlite', 'postgres'], (backend) => {
  it('drains on SIGTERM and exits 0: every response 2xx, only connection errors after close', async () => {
    const cwd = tempDir();
    const store = backend.kind === 'sqlite' ? '' : await backend.url();
    const server = await start(cwd, { DEMO_API_KEY: KEY, BREAKWATER_STORE: store });
    expect(server.url).not.toMatch(/:0$/);
    const agent = new Agent({ keepAliveTimeout: 10_000, connections: 4 });
    const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

    const outcomes: Outcome[] = [];
    const once = async (method: 'GET' | 'POST', url: string, body?: string) => {
      const traceId = randomBytes(16).toString('hex');
      const outcome: Outcome = { startedAt: performance.now(), traceId };
      outcomes.push(outcome);
      try {
        const response = await request(`${server.url}${url}`, {
          method,
          headers: {
            ...headers,
            traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
          },
          body,
          dispatcher: agent,
        });
        const text = await response.body.text();
        outcome.status = response.statusCode;
        return { json: response.statusCode < 300 ? JSON.parse(text) : undefined };
      } catch (error) {
        outcome.error = (error as { code?: string }).code ?? String(error);
        return undefined;
      }
    };

    // Four keep-alive loops of POST, GET by id and list; each stops at its first connection
    // error, and all stop after 25 s whatever happens.
    const deadline = performance.now() + 25_000;
    const loop = async (n: number) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const body = JSON.stringify({
          to: 'usr_grace',
          message: `loop ${n} #${i}`,
          badges: ['e2e'],
        });
        const created = await once('POST', '/v1/recognitions', body);
        if (!created) return;
        if (created.json && !(await once('GET', `/v1/recognitions/${created.json.id}`))) return;
        if (!(await once('GET', '/v1/recognitions?to=usr_grace&limit=5'))) return;
      }
    };
    const loops = [0, 1, 2, 3].map(loop);
    // A steady stream for ~1.5 s, and at least 40 answered requests even on a slow machine.
    const loadStart = performance.now();
    const answered = () => outcomes.filter((o) => o.status !== undefined).length;
    while (performance.now() - loadStart < 1_500 || answered() < 40) {
      if (performance.now() - loadStart > 10_000) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const sigtermAt = performance.now();
    server.child.kill('SIGTERM');
    await Promise.all(loops);
    const exited = await Promise.race([
      server.exit,
      new Promise<'still running'>((resolve) =>
        setTimeout(() => resolve('still running'), SHUTDOWN_TIMEOUT_MS + 5_000),
      ),
    ]);
    await agent.close();

    const responded = outcomes.filter((o) => o.status !== undefined);
    const failed = outcomes.filter((o) => o.error !== undefined);
    const refused = failed.filter((o) => o.error === REFUSED).length;
    const closed = failed.filter((o) => CLOSED_WHILE_IDLE.has(o.error as string)).length;
    const summary = `${responded.length} responses (${responded.filter((o) => o.startedAt > sigtermAt).length} after SIGTERM), ${refused} refused, ${closed} closed while idle, errors ${JSON.stringify(failed.map((f) => f.error))}`;
    console.info(`shutdown under load [${backend.kind}]: ${summary}`);

    expect(exited, summary).toEqual({ code: 0, signal: null });
    expect(responded.filter((o) => o.startedAt < sigtermAt).length, summary).toBeGreaterThanOrEqual(
      40,
    );
    expect(
      responded.filter((o) => (o.status as number) < 200 || (o.status as number) >= 300),
      summary,
    ).toEqual([]);
    // Every request the server accepted (it logs one line per request, with the trace id we
    // sent) was answered. A loop may only meet a refused connection, or a keep-alive
    // connection the server closed while idle: a request written to it in the instant
    // SIGTERM arrived was never read, so the server has no line for it.
    const seen = server.stdout();
    expect(
      failed.filter((o) => seen.includes(`"traceId":"${o.traceId}"`)),
      summary,
    ).toEqual([]);
    expect(
      failed.filter((o) => o.startedAt < sigtermAt - 1_000),
      summary,
    ).toEqual([]);
    expect(refused + closed, summary).toBe(failed.length);
    expect(failed.length, summary).toBeLessThanOrEqual(4);
  });
});

describe('recognition-api start-up', () => {
  it('keeps a generated demo key (0600) across restarts and prints it with a curl example', async () => {
    const cwd = tempDir();
    const first = await start(cwd);
    const key = /demo API key: (\S+)/.exec(first.stdout())?.[1] as string;
    expect(key).toMatch(/^rk_[A-Za-z0-9_-]{43}$/);
    expect(first.stdout()).toContain(`curl -s -X POST ${first.url}/v1/recognitions`);
    expect(readFileSync(path.join(cwd, '.breakwater/demo-api-key'), 'utf8').trim()).toBe(key);
    for (const file of ['demo-api-key', 'hash-secret']) {
      expect(statSync(path.join(cwd, '.breakwater', file)).mode & 0o777, file).toBe(0o600);
    }
    const db = Buffer.concat(
      ['state.db', 'state.db-wal']
        .map((f) => path.join(cwd, '.breakwater', f))
        .filter((f) => existsSync(f))
        .map((f) => readFileSync(f)),
    );
    expect(db.includes(Buffer.from(hashApiKey(key))), 'the key hash is stored').toBe(true);
    expect(db.includes(Buffer.from(key)), 'the raw key is not').toBe(false);
    const ok = await request(`${first.url}/v1/recognitions`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();
    first.child.kill('SIGTERM');
    expect((await first.exit).code).toBe(0);

    const second = await start(cwd);
    expect(/demo API key: (\S+)/.exec(second.stdout())?.[1]).toBe(key);
    second.child.kill('SIGINT');
    expect((await second.exit).code).toBe(0);
  });

  it('refuses a bad PORT with one line naming it, and exits non-zero', async () => {
    const result = await runTs(MAIN, [], { cwd: tempDir(), env: { PORT: 'abc' } });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'recognition-api: BW_CONFIG_INVALID: PORT must be an integer from 0 to 65535 (got "abc")',
    ]);
  });
});
