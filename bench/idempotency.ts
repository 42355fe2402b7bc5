/**
 * `npm run bench:idempotency`: the latency the Idempotency-Key middleware adds per request.
 * One Fastify server in this process on 127.0.0.1, two routes with the same handler: one
 * plain, one with `config.idempotency` (a fresh key each request, so every request claims,
 * runs and stores). Sequential requests over one keep-alive connection, the two routes
 * interleaved so drift hits both alike; median and p99 per route, for SQLite and PostgreSQL.
 *
 *   npm run bench:idempotency -- [--requests 4000] [--warmup 400] [--backends sqlite,postgres] [--json]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import pg from 'pg';
import { Client } from 'undici';
import { fastifyIdempotency } from '../src/http/fastify-idempotency.js';
import { migrateBreakwater } from '../src/migrate/own.js';
import { openStore } from '../src/store/open.js';
import type { SqlStore } from '../src/store/types.js';

type Backend = 'sqlite' | 'postgres';
interface Args {
  requests: number;
  warmup: number;
  backends: Backend[];
  json: boolean;
}
interface Row {
  backend: Backend;
  requests: number;
  plainMedianUs: number;
  plainP99Us: number;
  idempotentMedianUs: number;
  idempotentP99Us: number;
  addedMedianUs: number;
  addedP99Us: number;
}

const POSTGRES_URL =
  process.env.BREAKWATER_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
const progress = (line: string) => process.stderr.write(`${line}\n`);

function parseArgs(argv: string[]): Args {
  const args: Args = {
    requests: 4_000,
    warmup: 400,
    backends: ['sqlite', 'postgres'],
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--json') args.json = true;
    else if (flag === '--requests' || flag === '--warmup') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < (flag === '--warmup' ? 0 : 100) || value > 100_000) {
        throw new Error(
          `${flag} needs a whole number from ${flag === '--warmup' ? 0 : 100} to 100000`,
        );
      }
      args[flag === '--requests' ? 'requests' : 'warmup'] = value;
    } else if (flag === '--backends') {
      const names = (argv[++i] ?? '').split(',').filter(Boolean);
      if (names.length === 0 || names.some((n) => n !== 'sqlite' && n !== 'postgres')) {
        throw new Error('--backends takes sqlite, postgres or both (comma-separated)');
      }
      args.backends = names as Backend[];
    } else throw new Error(`unknown option ${flag} (use --requests, --warmup, --backends, --json)`);
  }
  return args;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** A fresh store: a SQLite file in a temp dir, or a new PostgreSQL schema; dropped by `cleanup`. */
async function freshStore(
  backend: Backend,
): Promise<{ store: SqlStore; cleanup(): Promise<void> }> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'bw-bench-idem-'));
    const store = openStore(`sqlite:${path.join(dir, 'state.db')}`) as SqlStore;
    return { store, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `bw_bench_idem_${process.pid}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  const sep = POSTGRES_URL.includes('?') ? '&' : '?';
  const store = openStore(`${POSTGRES_URL}${sep}schema=${schema}`) as SqlStore;
  return {
    store,
    cleanup: async () => {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
}

async function measure(backend: Backend, args: Args): Promise<Row> {
  const { store, cleanup } = await freshStore(backend);
  const app = Fastify({ logger: false });
  try {
    await migrateBreakwater(store);
    await app.register(fastifyIdempotency, { store, sweeper: false });
    const handler = async () => ({ id: randomUUID(), status: 'accepted' });
    app.post('/plain', handler);
    app.post('/idempotent', { config: { idempotency: { required: true } } }, handler);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    const client = new Client(`http://127.0.0.1:${address.port}`, { pipelining: 1 });
    const body = JSON.stringify({ item: 'tea', qty: 2, note: 'bench' });
    const once = async (route: 'plain' | 'idempotent'): Promise<number> => {
      const started = performance.now();
      const response = await client.request({
        method: 'POST',
        path: `/${route}`,
        headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body,
      });
      await response.body.dump();
      if (response.statusCode !== 200) throw new Error(`${route}: status ${response.statusCode}`);
      return (performance.now() - started) * 1000;
    };
    progress(
      `bench:idempotency [${backend}] warm-up ${args.warmup} + ${args.requests} requests per route`,
    );
    for (let i = 0; i < args.warmup; i++) {
      await once('plain');
      await once('idempotent');
    }
    const plain: number[] = [];
    const idempotent: number[] = [];
    for (let i = 0; i < args.requests; i++) {
      // alternate which goes first, so neither always follows the other
      if (i % 2 === 0) {
        plain.push(await once('plain'));
        idempotent.push(await once('idempotent'));
      } else {
        idempotent.push(await once('idempotent'));
        plain.push(await once('plain'));
      }
    }
    await client.close();
    plain.sort((a, b) => a - b);
    idempotent.sort((a, b) => a - b);
    const row = {
      backend,
      requests: args.requests,
      plainMedianUs: percentile(plain, 50),
      plainP99Us: percentile(plain, 99),
      idempotentMedianUs: percentile(idempotent, 50),
      idempotentP99Us: percentile(idempotent, 99),
    };
    return {
      ...row,
      addedMedianUs: row.idempotentMedianUs - row.plainMedianUs,
      addedP99Us: row.idempotentP99Us - row.plainP99Us,
    };
  } finally {
    await app.close();
    await store.close();
    await cleanup();
  }
}

function print(rows: Row[]): void {
  const us = (n: number) => `${Math.round(n)}`.padStart(9);
  const lines = [
    'backend    requests   plain p50  plain p99   idem p50   idem p99  added p50  added p99   (µs)',
    ...rows.map(
      (r) =>
        `${r.backend.padEnd(9)} ${String(r.requests).padStart(9)} ${us(r.plainMedianUs)}  ${us(r.plainP99Us)}  ${us(r.idempotentMedianUs)}  ${us(r.idempotentP99Us)}  ${us(r.addedMedianUs)}  ${us(r.addedP99Us)}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const r of rows) {
    process.stdout.write(
      `${r.backend}: the middleware adds ${Math.round(r.addedMedianUs)} µs at the median, ${Math.round(r.addedP99Us)} µs at p99\n`,
    );
  }
}

const args = parseArgs(process.argv.slice(2));
const rows: Row[] = [];
for (const backend of args.backends) rows.push(await measure(backend, args));
if (args.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
else print(rows);
