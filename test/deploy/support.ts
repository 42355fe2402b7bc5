import http from 'node:http';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { BreakwaterConfig } from '../../src/config/schema.js';
import type { LineSink } from '../../src/deploy/output.js';
import { type Breakwater, startBreakwater } from '../../src/deploy/runtime.js';
import { eventually } from '../support/eventually.js';

/** Deploy tests poll with the shared helper: 20 s by default, every 50 ms. */
export { eventually };

/** The fixture app: plain JavaScript, run by this node, so it starts fast on a busy machine. */
export const APP = path.resolve('test/fixtures/deploy/app.mjs');
export const TOKEN = 'test-admin-token-0123456789';

/** An argv that runs the fixture app with a label and a mode. */
export const appArgv = (label: string, ...extra: string[]) => [
  process.execPath,
  APP,
  '--label',
  label,
  ...extra,
];
/** The same as one shell string, for `breakwater deploy --command`. */
export const appCommand = (label: string, ...extra: string[]) =>
  [process.execPath, APP, '--label', label, ...extra].map((part) => JSON.stringify(part)).join(' ');

/** Settings short enough that a deploy takes well under a second. */
export const FAST_DEPLOY = {
  timeoutMs: 15_000,
  drainTimeoutMs: 5_000,
  rollbackWindowMs: 10_000,
  healthIntervalMs: 50,
  healthTimeoutMs: 2_000,
  stopGraceMs: 3_000,
};

/** A sink that keeps the lines, for assertions and for a failing test's output. */
export function memorySink(): LineSink & { lines: string[] } {
  const lines: string[] = [];
  return { lines, color: false, write: (line) => lines.push(line) };
}

/** Starts Breakwater in this process on free ports with the given store and app. */
export async function startInProcess(
  root: string,
  config: Partial<BreakwaterConfig> & { store: string },
  sink = memorySink(),
): Promise<Breakwater & { sink: ReturnType<typeof memorySink> }> {
  const resolved = resolveConfig(
    {
      service: 'test-svc',
      router: { port: 0 },
      admin: { port: 0, token: TOKEN },
      app: { command: appArgv('v1'), healthPath: '/health' },
      ...config,
      deploy: { ...FAST_DEPLOY, ...config.deploy },
    },
    { root, env: {} },
  );
  const bw = await startBreakwater(resolved, { sink, env: {} });
  return Object.assign(bw, { sink });
}

/** Runs the CLI in-process; resolves with its exit code and output. */
export async function cli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; tty?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, callback) {
        append(String(chunk));
        callback();
      },
    });
  const io: CliIo = {
    stdout: Object.assign(
      sink((t) => {
        stdout += t;
      }),
      { isTTY: options.tty === true },
    ),
    stderr: sink((t) => {
      stderr += t;
    }),
    env: options.env ?? { BREAKWATER_ADMIN_TOKEN: TOKEN },
    cwd: options.cwd ?? process.cwd(),
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

/** GET a path; resolves with status, body and the label the app put in it. */
export function get(
  url: string,
  agent?: http.Agent | false,
): Promise<{ status: number; body: string; label?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => {
        let label: string | undefined;
        try {
          label = (JSON.parse(body) as { label?: string }).label;
        } catch {}
        resolve({ status: res.statusCode ?? 0, body, ...(label ? { label } : {}) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error('client timeout')));
  });
}

/** Resolves once the router answers 200 with `label`. */
export const servesLabel = (routerUrl: string, label: string, timeoutMs?: number) =>
  eventually(async () => {
    const response = await get(`${routerUrl}/`);
    if (response.label !== label) throw new Error(`serving ${response.status} ${response.body}`);
  }, timeoutMs);
