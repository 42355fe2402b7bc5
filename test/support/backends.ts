import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, it } from 'vitest';
import type { StoreKind } from '../../src/store/types.js';

/**
 * The contract-suite helper: runs one capability suite against every backend named in
 * BREAKWATER_TEST_BACKENDS (default: all three), each on its own isolated SQLite file,
 * PostgreSQL schema or Redis key prefix. Under CI=true an unreachable PostgreSQL or Redis
 * fails the run; locally it is skipped with the reason printed.
 */

export const POSTGRES_URL =
  process.env.BREAKWATER_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.BREAKWATER_TEST_REDIS ?? 'redis://127.0.0.1:6379/0';

const ALL: StoreKind[] = ['sqlite', 'postgres', 'redis'];

export function requestedBackends(): StoreKind[] {
  const raw = process.env.BREAKWATER_TEST_BACKENDS;
  if (!raw) return ALL;
  const kinds = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const kind of kinds) {
    if (!ALL.includes(kind as StoreKind)) {
      throw new Error(
        `BREAKWATER_TEST_BACKENDS: unknown backend "${kind}" (use ${ALL.join(', ')})`,
      );
    }
  }
  return kinds as StoreKind[];
}

export interface Backend {
  kind: StoreKind;
  /** A store URL that is private to the caller: a fresh file, schema or key prefix. */
  url(): Promise<string>;
}

const unique = (): string => `${process.pid}_${randomBytes(4).toString('hex')}`;

const cleanups: Array<() => Promise<void>> = [];

/** Drops every file, schema and key prefix handed out by this test file. */
export async function cleanupBackends(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()?.();
}

export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-test-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function postgresSchemaUrl(): Promise<string> {
  const schema = `bw_t_${unique()}`;
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  cleanups.push(async () => {
    const c = new pg.Client({ connectionString: POSTGRES_URL });
    await c.connect();
    try {
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await c.end();
    }
  });
  const sep = POSTGRES_URL.includes('?') ? '&' : '?';
  return `${POSTGRES_URL}${sep}schema=${schema}`;
}

async function redisPrefixUrl(): Promise<string> {
  const prefix = `bw_t_${unique()}:`;
  cleanups.push(async () => {
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  });
  const sep = REDIS_URL.includes('?') ? '&' : '?';
  return `${REDIS_URL}${sep}prefix=${encodeURIComponent(prefix)}`;
}

export const backends: Record<StoreKind, Backend> = {
  sqlite: { kind: 'sqlite', url: async () => `sqlite:${path.join(tempDir(), 'state.db')}` },
  postgres: { kind: 'postgres', url: postgresSchemaUrl },
  redis: { kind: 'redis', url: redisPrefixUrl },
};

/**
 * Declares `suite` once per requested backend among `supported`. Inside, call
 * `backend.url()` for an isolated store URL; register `afterAll(cleanupBackends)`.
 * A backend that is unreachable (and not required) is skipped with its reason.
 */
export function describeBackends(
  name: string,
  supported: StoreKind[],
  suite: (backend: Backend) => void,
): void {
  const kinds = requestedBackends().filter((k) => supported.includes(k));
  if (kinds.length === 0) {
    // Why skipped: BREAKWATER_TEST_BACKENDS (a local run narrowed on purpose; CI=true asks
    // for every backend) names none of the backends this suite runs on. Without a suite
    // here vitest would fail the file with "No test suite found"; the skip says what was
    // left out instead.
    describe.skip(`${name} (skipped: runs on ${supported.join(', ')}, none of them requested by BREAKWATER_TEST_BACKENDS)`, () => {
      it('is not run', () => {});
    });
    return;
  }
  for (const kind of kinds) {
    const reason = unavailableReason(kind);
    const title = `${name} [${kind}]`;
    if (reason) {
      describe.skip(`${title} (skipped: ${reason})`, () => {});
      continue;
    }
    describe(title, () => suite(backends[kind]));
  }
}

const probed = new Map<StoreKind, string | undefined>();

/**
 * Undefined when the backend is usable, else why not. vitest collects describe() blocks
 * synchronously, so this probes with a short synchronous child process (a TCP connect).
 * Under CI=true an unreachable service throws, failing the run rather than skipping.
 */
export function unavailableReason(kind: StoreKind): string | undefined {
  if (kind === 'sqlite') return undefined;
  if (probed.has(kind)) return probed.get(kind);
  const { hostname, port } = new URL(kind === 'postgres' ? POSTGRES_URL : REDIS_URL);
  const portNumber = Number(port) || (kind === 'postgres' ? 5432 : 6379);
  const script = `const s=require('node:net').connect(${portNumber},${JSON.stringify(hostname)});s.setTimeout(2000,()=>process.exit(2));s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));`;
  let reason: string | undefined;
  try {
    execFileSync(process.execPath, ['-e', script], { stdio: 'ignore', timeout: 5_000 });
  } catch {
    reason = `${kind} not reachable at ${hostname}:${portNumber}`;
  }
  if (reason !== undefined && process.env.CI === 'true') {
    throw new Error(`${kind} is required under CI=true but unreachable: ${reason}`);
  }
  probed.set(kind, reason);
  return reason;
}
