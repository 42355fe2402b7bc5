/**
 * `npm run bench:pipeline`: what Breakwater's request pipeline costs. Requests per second of
 * `GET /v2/recognitions/:id` on the recognition API (auth + pipeline, SQLite) against the
 * same route, auth lookup and repository call on plain Fastify. Each server runs in its own
 * child process; autocannon runs here, against 127.0.0.1, alternating the two.
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
  progressLine,
  type Run,
  summarize,
  VARIANTS,
  type Variant,
} from './support/pipeline-report.js';
import { processCpuMs } from './support/process-cpu.js';

const DEMO_API_KEY = 'rk_bench_0123456789abcdefghijklmnop';
const headers = { authorization: `Bearer ${DEMO_API_KEY}` };
const progress = (line: string) => process.stderr.write(`${line}\n`);

async function main(args: BenchArgs): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-bench-pipeline-'));
  const env = {
    BREAKWATER_STORE: `sqlite:${path.join(dir, 'state.db')}`,
    BREAKWATER_STATE_DIR: path.join(dir, 'state'),
    DEMO_API_KEY,
    PORT: '0',
    HOST: '127.0.0.1',
  };
  const servers: Partial<Record<Variant, ChildServer>> = {};
  try {
    progress(`bench:pipeline: starting both servers on ${env.BREAKWATER_STORE}`);
    // The pipeline server migrates and seeds the store; the plain one then shares it.
    const files = {
      pipeline: 'examples/recognition-api/src/main.ts',
      plain: 'bench/support/plain-server.ts',
    };
    for (const variant of VARIANTS) {
      const logFile = path.join(dir, `${variant}.log`);
      servers[variant] = await startServer(files[variant], { env, cwd: dir, logFile });
    }
    const urls = await targetUrls(servers as Record<Variant, ChildServer>);

    const runs: Run[] = [];
    for (let round = 1; round <= args.rounds; round++) {
      for (const variant of VARIANTS) {
        const url = urls[variant];
        const connections = args.connections;
        if (args.warmupS > 0)
          await autocannon({ url, headers, connections, duration: args.warmupS });
        const pid = servers[variant]?.child.pid;
        const cpuBefore = processCpuMs(pid);
        const result = await autocannon({ url, headers, connections, duration: args.durationS });
        const cpuAfter = processCpuMs(pid);
        const run: Run = {
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
        runs.push(run);
        progress(progressLine(run, args.rounds));
      }
    }
    const result = summarize(runs);
    process.stdout.write(
      args.json
        ? `${JSON.stringify({ bench: 'pipeline', route: 'GET /v2/recognitions/:id', date: new Date().toISOString(), node: process.version, args, runs, ...result }, null, 2)}\n`
        : formatTable(result, args),
    );
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Creates one recognition through the pipeline server and checks both servers answer its
 * GET with the same 200 body: otherwise the comparison would mean nothing.
 */
async function targetUrls(servers: Record<Variant, ChildServer>): Promise<Record<Variant, string>> {
  const created = await fetch(`${servers.pipeline.url}/v1/recognitions`, {
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
    throw new Error(`the two servers answer differently: ${[...bodies].join(' / ')}`);
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
