/**
 * `npm run bench:jobs`: enqueue and processing throughput (jobs/s) of Breakwater's job queue
 * on SQLite and on PostgreSQL, and of graphile-worker 0.18 on the same PostgreSQL (its own
 * schema), in one run. Handlers do nothing, so this measures the queues' own cost. Every
 * measurement runs `--rounds` times, the systems taking turns, and the median is reported.
 * A processing run starts a worker of concurrency 10 on a full queue and stops the clock when
 * the database shows every job done.
 *
 *   npm run bench:jobs -- [--jobs 10000] [--single 1000] [--rounds 3] [--json]
 *
 * "default" is each system out of the box (concurrency 10). "tuned" is each tuned for
 * throughput per its docs: Breakwater with a 500-job local queue (prefetch 490, claims of
 * 500), once keeping completed jobs with their results (its default) and once deleting them
 * at completion (`deleteCompleted`, which graphile-worker always does); graphile-worker with
 * `localQueue.size` 500 and batched completion (`completeJobBatchDelay: 0`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Logger, makeWorkerUtils, run, runMigrations } from 'graphile-worker';
import pg from 'pg';
import { createJobQueue, createWorker, type WorkerOptions } from '../src/jobs/index.js';
import { migrateBreakwater } from '../src/migrate/index.js';
import { openStore } from '../src/store/open.js';
import type { SqlStore } from '../src/store/types.js';

const POSTGRES_URL =
  process.env.BREAKWATER_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
const CONCURRENCY = 10;
const BATCH = 1_000;
const METRICS = [
  'enqueueOne',
  'enqueueBatch',
  'processDefault',
  'processTuned',
  'processTunedDeleting',
] as const;
type Metric = (typeof METRICS)[number];
const LABELS: Record<Metric, string> = {
  enqueueOne: 'enqueue one at a time',
  enqueueBatch: 'enqueue batches of 1000',
  processDefault: 'process (default)',
  processTuned: 'process (tuned, results kept)',
  processTunedDeleting: 'process (tuned, completed deleted)',
};

/** One system under test: each measurement starts from an empty queue. */
interface System {
  name: string;
  enqueueOne(count: number): Promise<void>;
  enqueueBatch(count: number): Promise<void>;
  /** Runs a worker until `count` enqueued jobs are done; undefined: not applicable. */
  process: Partial<Record<Metric, (count: number) => Promise<void>>>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

const args = parseArgs(process.argv.slice(2));
const progress = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const dir = mkdtempSync(path.join(tmpdir(), 'bw-bench-jobs-'));
const schemas = [`bw_bench_${process.pid}`, `gw_bench_${process.pid}`] as const;
const admin = new pg.Client({ connectionString: POSTGRES_URL });
await admin.connect();
const systems: System[] = [];

try {
  await admin.query(`CREATE SCHEMA ${schemas[0]}`);
  systems.push(await breakwater('breakwater-sqlite', `sqlite:${path.join(dir, 'state.db')}`));
  systems.push(await breakwater('breakwater-postgres', `${POSTGRES_URL}?schema=${schemas[0]}`));
  systems.push(await graphile(schemas[1]));
  const results: Record<string, Partial<Record<Metric, number>>> = {};
  for (const metric of METRICS) {
    const runs: Record<string, number[]> = {};
    for (let round = 1; round <= args.rounds; round++) {
      for (const system of systems) {
        const perSecond = await measure(system, metric);
        if (perSecond === undefined) continue;
        runs[system.name] = [...(runs[system.name] ?? []), perSecond];
        progress(
          `round ${round}/${args.rounds} ${system.name.padEnd(20)} ${LABELS[metric].padEnd(36)} ${String(perSecond).padStart(7)} jobs/s`,
        );
      }
    }
    for (const [name, values] of Object.entries(runs)) {
      results[name] = { ...results[name], [metric]: median(values) };
    }
  }
  report(results);
} finally {
  for (const system of systems) await system.close();
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
}

/** jobs/s of one measurement, from an empty queue; undefined when the system lacks it. */
async function measure(system: System, metric: Metric): Promise<number | undefined> {
  const processing = metric.startsWith('process') ? system.process[metric] : undefined;
  if (metric.startsWith('process') && !processing) return undefined;
  const count = metric === 'enqueueOne' ? args.single : args.jobs;
  await system.reset();
  if (processing) await system.enqueueBatch(count);
  const started = performance.now();
  if (metric === 'enqueueOne') await system.enqueueOne(count);
  else if (metric === 'enqueueBatch') await system.enqueueBatch(count);
  else await processing?.(count);
  return Math.round(count / ((performance.now() - started) / 1000));
}

/** Polls until `remaining()` is 0. */
async function drained(remaining: () => Promise<number>): Promise<void> {
  while ((await remaining()) > 0) await sleep(20);
}

/** `count` items made by `make`, in slices of BATCH. */
function batches<T>(count: number, make: (i: number) => T): T[][] {
  return Array.from({ length: Math.ceil(count / BATCH) }, (_, b) =>
    Array.from({ length: Math.min(BATCH, count - b * BATCH) }, (_, i) => make(b * BATCH + i)),
  );
}

async function breakwater(name: string, url: string): Promise<System> {
  const store = openStore(url) as SqlStore;
  await migrateBreakwater(store);
  const queue = createJobQueue(store);
  const sql = async (text: string): Promise<number> => {
    if (store.kind === 'sqlite') {
      const statement = store.db.prepare(text);
      if (statement.reader) return Number(statement.pluck().get());
      statement.run();
      return 0;
    }
    return Number((await store.pool.query(text)).rows[0]?.n ?? 0);
  };
  const live = `SELECT count(*) AS n FROM breakwater_jobs WHERE state IN ('pending', 'processing', 'retrying')`;
  const work = (options: Partial<WorkerOptions>) => async () => {
    const worker = createWorker(queue, {
      handlers: { bench: async () => {} },
      concurrency: CONCURRENCY,
      ...options,
    });
    await worker.start();
    await drained(() => sql(live));
    await worker.stop();
  };
  const tuned = { prefetch: 490, batchSize: 500 };
  return {
    name,
    enqueueOne: async (count) => {
      for (let i = 0; i < count; i++) await queue.enqueue('bench', { i });
    },
    enqueueBatch: async (count) => {
      for (const batch of batches(count, (i) => ({ name: 'bench', payload: { i } })))
        await queue.enqueueMany(batch);
    },
    process: {
      processDefault: work({}),
      processTuned: work(tuned),
      processTunedDeleting: work({ ...tuned, deleteCompleted: true }),
    },
    reset: async () => {
      await sql('DELETE FROM breakwater_jobs');
      await sql('DELETE FROM breakwater_job_attempts');
    },
    close: () => store.close(),
  };
}

async function graphile(schema: string): Promise<System> {
  const logger = new Logger(() => () => {});
  const base = { connectionString: POSTGRES_URL, schema, logger };
  await runMigrations(base);
  const utils = await makeWorkerUtils(base);
  const remaining = async () =>
    Number((await admin.query(`SELECT count(*) AS n FROM ${schema}._private_jobs`)).rows[0].n);
  const work = (tuning: Record<string, unknown>) => async () => {
    const runner = await run({
      ...base,
      concurrency: CONCURRENCY,
      noHandleSignals: true,
      taskList: { bench: async () => {} },
      preset: { worker: tuning },
    });
    await drained(remaining);
    await runner.stop();
  };
  return {
    name: 'graphile-worker',
    enqueueOne: async (count) => {
      for (let i = 0; i < count; i++) await utils.addJob('bench', { i });
    },
    enqueueBatch: async (count) => {
      for (const batch of batches(count, (i) => ({ identifier: 'bench', payload: { i } })))
        await utils.addJobs(batch);
    },
    process: {
      processDefault: work({}),
      // graphile-worker deletes completed jobs: its tuned run belongs in that column.
      processTunedDeleting: work({
        localQueue: { size: 500 },
        completeJobBatchDelay: 0,
        failJobBatchDelay: 0,
      }),
    },
    reset: async () => {
      await admin.query(`DELETE FROM ${schema}._private_jobs`);
    },
    close: async () => {
      await utils.release();
    },
  };
}

function report(results: Record<string, Partial<Record<Metric, number>>>): void {
  const bw = results['breakwater-postgres'] ?? {};
  const gw = results['graphile-worker'] ?? {};
  const ratio = (ours: Metric, theirs: Metric = ours) => (bw[ours] ?? 0) / (gw[theirs] ?? 1);
  const ratios = {
    enqueueOne: ratio('enqueueOne'),
    enqueueBatch: ratio('enqueueBatch'),
    processDefault: ratio('processDefault'),
    processTunedResultsKept: ratio('processTuned', 'processTunedDeleting'),
    processTunedDeleting: ratio('processTunedDeleting'),
  };
  if (args.json) {
    const meta = { bench: 'jobs', date: new Date().toISOString(), node: process.version };
    const body = {
      ...meta,
      concurrency: CONCURRENCY,
      args,
      medians: results,
      ratiosPostgresVsGraphile: ratios,
    };
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return;
  }
  const cell = (value: number | undefined) => (value === undefined ? 'n/a' : String(value));
  const rows = Object.entries(results).map(
    ([name, r]) => `| ${name} | ${METRICS.map((m) => cell(r[m])).join(' | ')} |`,
  );
  const fixed = (n: number) => n.toFixed(2);
  process.stdout.write(
    [
      '',
      `jobs/s, median of ${args.rounds} rounds; ${args.jobs} jobs per batch/processing run, ${args.single} added one at a time; concurrency ${CONCURRENCY}; no-op handlers`,
      '',
      `| system | ${METRICS.map((m) => LABELS[m]).join(' | ')} |`,
      `| --- |${METRICS.map(() => ' ---: |').join('')}`,
      ...rows,
      '',
      `ratio Breakwater PostgreSQL / graphile-worker (aim >= 1.0): enqueue one ${fixed(ratios.enqueueOne)}, ` +
        `batch ${fixed(ratios.enqueueBatch)}, process default ${fixed(ratios.processDefault)}, ` +
        `tuned with results kept ${fixed(ratios.processTunedResultsKept)}, ` +
        `tuned with completed deleted ${fixed(ratios.processTunedDeleting)}`,
      '',
    ].join('\n'),
  );
}

function parseArgs(argv: string[]): {
  jobs: number;
  single: number;
  rounds: number;
  json: boolean;
} {
  const parsed = { jobs: 10_000, single: 1_000, rounds: 3, json: false };
  const limits = {
    '--jobs': [1, 1_000_000],
    '--single': [1, 100_000],
    '--rounds': [1, 20],
  } as const;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] as string).split('=', 2) as [string, string | undefined];
    if (flag === '--json') {
      parsed.json = true;
      continue;
    }
    const limit = limits[flag as keyof typeof limits];
    if (!limit) throw new Error(`unknown option ${flag} (use --jobs, --single, --rounds, --json)`);
    const raw = inline ?? argv[++i];
    const value = Number(raw);
    if (!Number.isInteger(value) || value < limit[0] || value > limit[1]) {
      throw new Error(
        `${flag} needs a whole number from ${limit[0]} to ${limit[1]} (got ${raw ?? 'nothing'})`,
      );
    }
    parsed[flag.slice(2) as 'jobs' | 'single' | 'rounds'] = value;
  }
  return parsed;
}
