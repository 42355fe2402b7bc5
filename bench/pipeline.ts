/**
 * `npm run bench:pipeline`: what Breakwater's request pipeline costs a real route. Requests
 * per second and server CPU per request of `GET /v2/recognitions/:id` on three servers, each
 * in its own child process, alternating round after round:
 *
 * - `plain`: the recognition API's route plugin (API-key auth hook, repository on SQLite) on
 *   plain Fastify;
 * - `pipeline`: the same app with Breakwater's pipeline as the reference service uses it:
 *   `breakwaterFastify`, `setIdentity` from the auth hook, `withSpan` around each of the two
 *   queries (the headline ratio, pipeline / plain, aim >= 0.85);
 * - `full`: the reference service as `npm start` runs it, with versioning, idempotency and
 *   quota plugins as well, and its in-process job worker and notification outbox (their
 *   polling counts in its CPU); informative only.
 *
 * Request logs go where the reference service sends them, stdout, which each child has
 * pointed at a file in the benchmark's temporary directory (a real file on disk, as in
 * production; plain Fastify logs nothing).
 *
 *   npm run bench:pipeline -- [--duration 10] [--warmup 2] [--connections 50] [--rounds 2] [--json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { type BenchArgs, parseBenchArgs } from './support/args.js';
import { type ChildServer, startServer } from './support/child-server.js';
import {
  formatTable,
  LABELS,
  progressLine,
  type Run,
  summarize,
  VARIANTS,
  type Variant,
} from './support/pipeline-report.js';
import { processCpuMs } from './support/process-cpu.js';

const DEMO_API_KEY = 'rk_bench_0123456789abcdefghijklmnop';
const headers = { authorization: `Bearer ${DEMO_API_KEY}` };
const ROUTE = 'GET /v2/recognitions/:id';
const LOGS = 'request logs to stdout, a file on disk, for every server that logs';
const progress = (line: string) => process.stderr.write(`${line}\n`);

/** Each variant's entry point; `full` first, as it migrates and seeds the shared store. */
const ENTRY: Record<Variant, string> = {
  full: 'examples/recognition-api/src/main.ts',
  plain: 'bench/support/plain-server.ts',
  pipeline: 'bench/support/pipeline-server.ts',
};
const START_ORDER: readonly Variant[] = ['full', 'plain', 'pipeline'];

async function main(args: BenchArgs): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-bench-pipeline-'));
  const env = {
    BREAKWATER_STORE: `sqlite:${path.join(dir, 'state.db')}`,
    BREAKWATER_STATE_DIR: path.join(dir, 'state'),
    BREAKWATER_HASH_SECRET: 'bench-hash-secret-0123456789',
    DEMO_API_KEY,
    PORT: '0',
    HOST: '127.0.0.1',
  };
  const servers: Partial<Record<Variant, ChildServer>> = {};
  try {
    progress(`bench:pipeline: starting ${VARIANTS.length} servers on ${env.BREAKWATER_STORE}`);
    for (const variant of START_ORDER) {
      const logFile = path.join(dir, `${variant}.log`);
      servers[variant] = await startServer(ENTRY[variant], { env, cwd: dir, logFile });
    }
    const urls = await targetUrls(servers as Record<Variant, ChildServer>);
    for (const variant of VARIANTS) progress(`  ${variant.padEnd(8)} ${LABELS[variant]}`);

    const runs: Run[] = [];
    for (let round = 1; round <= args.rounds; round++) {
      for (const variant of VARIANTS) {
        const run = await measure(variant, round, urls[variant], servers[variant], args);
        runs.push(run);
        progress(progressLine(run, args.rounds));
      }
    }
    const result = summarize(runs);
    process.stdout.write(
      args.json
        ? `${JSON.stringify({ bench: 'pipeline', route: ROUTE, logs: LOGS, labels: LABELS, date: new Date().toISOString(), node: process.version, args, runs, ...result }, null, 2)}\n`
        : formatTable(result, args, ROUTE, LOGS),
    );
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One warm-up and one measured autocannon run against one server, with its CPU time. */
async function measure(
  variant: Variant,
  round: number,
  url: string,
  server: ChildServer | undefined,
  args: BenchArgs,
): Promise<Run> {
  const connections = args.connections;
  if (args.warmupS > 0) await autocannon({ url, headers, connections, duration: args.warmupS });
  const pid = server?.child.pid;
  const cpuBefore = processCpuMs(pid);
  const result = await autocannon({ url, headers, connections, duration: args.durationS });
  const cpuAfter = processCpuMs(pid);
  return {
    variant,
    round,
    requestsPerSecond: result.requests.total / result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    cpuUsPerRequest:
      cpuBefore === undefined || cpuAfter === undefined || result.requests.total === 0
        ? undefined
        : ((cpuAfter - cpuBefore) * 1000) / result.requests.total,
  };
}

/**
 * Creates one recognition through the reference service and checks every server answers its
 * GET with the same 200 body: otherwise the comparison would mean nothing.
 */
async function targetUrls(servers: Record<Variant, ChildServer>): Promise<Record<Variant, string>> {
  const created = await fetch(`${servers.full.url}/v1/recognitions`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ to: 'usr_grace', message: 'Benchmarked!', badges: ['speed'] }),
  });
  if (created.status !== 201) {
    throw new Error(`POST /v1/recognitions answered ${created.status}: ${await created.text()}`);
  }
  const { id } = (await created.json()) as { id: string };
  const urls = {} as Record<Variant, string>;
  const bodies = new Set<string>();
  for (const variant of VARIANTS) {
    urls[variant] = `${servers[variant].url}/v2/recognitions/${id}`;
    const response = await fetch(urls[variant], { headers });
    const body = await response.text();
    if (response.status !== 200)
      throw new Error(`${variant}: GET answered ${response.status}: ${body}`);
    bodies.add(body);
  }
  if (bodies.size !== 1)
    throw new Error(`the servers answer differently: ${[...bodies].join(' / ')}`);
  return urls;
}

let args: BenchArgs;
try {
  args = parseBenchArgs(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`bench:pipeline: ${(error as Error).message}\n`);
  process.exit(2);
}
main(args).catch((error: unknown) => {
  process.stderr.write(
    `bench:pipeline: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
