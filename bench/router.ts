/**
 * `npm run bench:router`: what the Breakwater router costs, against its anchors in one run.
 * Requests per second and p99 latency of `GET /` on a small node:http app (the deploy test
 * fixture), measured direct, through `breakwater up` (built; `app.url` points at the app),
 * through nginx (1 worker, keepalive upstream), through node http-proxy (keep-alive
 * agent), and through a bare node:http + undici proxy (bench/support/bare-proxy.mjs: the
 * floor of the stack the router is built on, informative). Each server runs in its own
 * process; autocannon runs here against 127.0.0.1.
 *
 *   npm run bench:router -- [--duration 10] [--warmup 2] [--connections 50] [--rounds 1] [--json]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../src/deploy/free-port.js';
import { median, parseBenchArgs } from './support/args.js';

const VARIANTS = ['direct', 'breakwater', 'nginx', 'http-proxy', 'node-floor'] as const;
type Variant = (typeof VARIANTS)[number];
interface Run {
  variant: Variant;
  round: number;
  requestsPerSecond: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
}

const args = parseBenchArgs(process.argv.slice(2), {
  durationS: 10,
  warmupS: 2,
  connections: 50,
  rounds: 1,
  json: false,
});
const progress = (line: string) => process.stderr.write(`${line}\n`);
const dir = mkdtempSync(path.join(tmpdir(), 'bw-bench-router-'));
const children: ChildProcess[] = [];

/** A child process whose output goes to `<dir>/<name>.log` (a pipe drained late would block it). */
function start(name: string, command: string, argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out = openSync(path.join(dir, `${name}.log`), 'w');
  const child = spawn(command, argv, {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  children.push(child);
  return child;
}

async function until200(name: string, url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {}
    if (Date.now() > deadline) {
      const log = readFileSync(path.join(dir, `${name}.log`), 'utf8');
      throw new Error(`${name} did not answer 200 at ${url}:\n${log.slice(-2_000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const HTTP_PROXY_SCRIPT = `
const http = require('node:http');
const httpProxy = require('http-proxy');
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const proxy = httpProxy.createProxyServer({ target: process.env.TARGET, agent });
proxy.on('error', (error, req, res) => { res.writeHead(502); res.end(); });
http.createServer((req, res) => proxy.web(req, res)).listen(Number(process.env.PORT), '127.0.0.1');
`;

function nginxConf(port: number, upstream: number): string {
  return `worker_processes 1;
error_log ${dir}/nginx-error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/nginx-body;
  proxy_temp_path ${dir}/nginx-proxy;
  fastcgi_temp_path ${dir}/nginx-fastcgi;
  uwsgi_temp_path ${dir}/nginx-uwsgi;
  scgi_temp_path ${dir}/nginx-scgi;
  upstream app { server 127.0.0.1:${upstream}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

try {
  const ports = {
    direct: await freePort(),
    breakwater: await freePort(),
    admin: await freePort(),
    nginx: await freePort(),
    'http-proxy': await freePort(),
    'node-floor': await freePort(),
  };
  const appUrl = `http://127.0.0.1:${ports.direct}`;
  start(
    'app',
    process.execPath,
    [path.resolve('test/fixtures/deploy/app.mjs'), '--label', 'bench'],
    {
      PORT: String(ports.direct),
    },
  );
  await until200('app', appUrl);

  writeFileSync(
    path.join(dir, 'breakwater.config.json'),
    JSON.stringify({
      service: 'bench',
      store: `sqlite:${path.join(dir, 'state.db')}`,
      router: { port: ports.breakwater },
      admin: { port: ports.admin, token: 'bench-admin-token-0123456789' },
      app: { url: appUrl, healthPath: '/health' },
    }),
  );
  start('breakwater', process.execPath, [path.resolve('dist/cli/main.js'), 'up'], { PORT: '' });
  writeFileSync(path.join(dir, 'nginx.conf'), nginxConf(ports.nginx, ports.direct));
  start('nginx', '/usr/sbin/nginx', [
    '-c',
    path.join(dir, 'nginx.conf'),
    '-p',
    dir,
    '-g',
    'daemon off;',
  ]);
  start('http-proxy', process.execPath, ['-e', HTTP_PROXY_SCRIPT], {
    PORT: String(ports['http-proxy']),
    TARGET: appUrl,
    NODE_PATH: path.resolve('node_modules'),
  });
  start('node-floor', process.execPath, [path.resolve('bench/support/bare-proxy.mjs')], {
    PORT: String(ports['node-floor']),
    TARGET: appUrl,
  });
  for (const variant of VARIANTS) await until200(variant, `http://127.0.0.1:${ports[variant]}/`);
  progress(`bench:router: app ${appUrl}, logs in ${dir}`);

  const runs: Run[] = [];
  for (let round = 1; round <= args.rounds; round++) {
    for (const variant of VARIANTS) {
      const url = `http://127.0.0.1:${ports[variant]}/`;
      if (args.warmupS > 0)
        await autocannon({ url, connections: args.connections, duration: args.warmupS });
      const result = await autocannon({
        url,
        connections: args.connections,
        duration: args.durationS,
      });
      const run: Run = {
        variant,
        round,
        requestsPerSecond: result.requests.total / result.duration,
        latencyP99Ms: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
      };
      runs.push(run);
      progress(
        `round ${round}/${args.rounds} ${variant.padEnd(10)} ${run.requestsPerSecond.toFixed(0).padStart(7)} req/s  p99 ${run.latencyP99Ms} ms  non-2xx ${run.non2xx}  errors ${run.errors}`,
      );
    }
  }
  report(runs);
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.map((child) =>
      child.exitCode !== null || child.signalCode !== null
        ? undefined
        : new Promise((resolve) => child.once('exit', resolve)),
    ),
  );
  rmSync(dir, { recursive: true, force: true });
}

function report(runs: Run[]): void {
  const summary = Object.fromEntries(
    VARIANTS.map((variant) => {
      const mine = runs.filter((r) => r.variant === variant);
      return [
        variant,
        {
          requestsPerSecond: median(mine.map((r) => r.requestsPerSecond)),
          latencyP99Ms: median(mine.map((r) => r.latencyP99Ms)),
          non2xx: mine.reduce((n, r) => n + r.non2xx, 0),
          errors: mine.reduce((n, r) => n + r.errors, 0),
        },
      ];
    }),
  ) as Record<
    Variant,
    { requestsPerSecond: number; latencyP99Ms: number; non2xx: number; errors: number }
  >;
  const bw = summary.breakwater.requestsPerSecond;
  const ratios = {
    breakwaterOverNginx: bw / summary.nginx.requestsPerSecond,
    breakwaterOverHttpProxy: bw / summary['http-proxy'].requestsPerSecond,
    breakwaterOverDirect: bw / summary.direct.requestsPerSecond,
    breakwaterOverNodeFloor: bw / summary['node-floor'].requestsPerSecond,
    nodeFloorOverNginx: summary['node-floor'].requestsPerSecond / summary.nginx.requestsPerSecond,
  };
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({ bench: 'router', route: 'GET /', date: new Date().toISOString(), node: process.version, args, runs, summary, ratios }, null, 2)}\n`,
    );
    return;
  }
  const rows = VARIANTS.map((variant) => {
    const s = summary[variant];
    return `| ${variant} | ${s.requestsPerSecond.toFixed(0)} | ${s.latencyP99Ms} | ${s.non2xx} | ${s.errors} |`;
  });
  process.stdout.write(
    [
      '',
      `GET /, ${args.connections} connections, ${args.durationS} s x ${args.rounds} round(s) (median), ${args.warmupS} s warm-up each`,
      '',
      '| path | req/s | p99 ms | non-2xx | errors |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
      `breakwater / nginx: ${ratios.breakwaterOverNginx.toFixed(2)}x (aim >= 0.8)`,
      `breakwater / http-proxy: ${ratios.breakwaterOverHttpProxy.toFixed(2)}x (aim >= 2)`,
      `breakwater / direct: ${ratios.breakwaterOverDirect.toFixed(2)}x`,
      `breakwater / bare node:http + undici proxy: ${ratios.breakwaterOverNodeFloor.toFixed(2)}x; that floor / nginx: ${ratios.nodeFloorOverNginx.toFixed(2)}x`,
      '',
    ].join('\n'),
  );
}
