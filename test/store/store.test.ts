import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasCode } from '../../src/errors/breakwater-error.js';
import { errors } from '../../src/errors/registry.js';
import { openRedisFromEnv, openStore, storeUrlFromEnv } from '../../src/store/open.js';
import { isRetryable, retryableReason } from '../../src/store/retryable.js';
import { parseStoreUrl } from '../../src/store/url.js';
import { cleanupBackends, describeBackends, tempDir } from '../support/backends.js';
import { runTs } from '../support/processes.js';

afterAll(cleanupBackends);

describe('parseStoreUrl', () => {
  it('resolves sqlite paths against the working directory, with the embedded default', () => {
    expect(parseStoreUrl('sqlite:', '/srv/app')).toEqual({
      kind: 'sqlite',
      path: '/srv/app/.breakwater/state.db',
      memory: false,
    });
    expect(parseStoreUrl('sqlite:data/x.db', '/srv/app')).toMatchObject({
      path: '/srv/app/data/x.db',
    });
    expect(parseStoreUrl('sqlite:///var/x.db', '/srv/app')).toMatchObject({ path: '/var/x.db' });
    expect(parseStoreUrl('sqlite::memory:')).toMatchObject({ memory: true });
  });

  it('keeps the postgres schema apart from the connection string', () => {
    const location = parseStoreUrl('postgres://u:p@db:5432/app?schema=tenant_a&sslmode=disable');
    expect(location).toEqual({
      kind: 'postgres',
      connectionString: 'postgres://u:p@db:5432/app?sslmode=disable',
      schema: 'tenant_a',
    });
  });

  it('reads the redis key prefix', () => {
    expect(parseStoreUrl('redis://127.0.0.1:6379/2?prefix=app:')).toEqual({
      kind: 'redis',
      connectionString: 'redis://127.0.0.1:6379/2',
      prefix: 'app:',
    });
  });

  it.each([
    ['', 'is empty'],
    ['nothing', 'has no scheme'],
    ['mysql://x/db', 'unknown scheme "mysql:"'],
    ['postgres://', 'has no host'],
    ['postgres://u:secret@h/db?schema=Bad-Name', 'schema "Bad-Name"'],
    ['redis://h/abc', 'database "abc" must be a number'],
  ])('rejects %j with a one-line reason', (url, why) => {
    try {
      parseStoreUrl(url);
      expect.unreachable();
    } catch (error) {
      expect(hasCode(error, errors.STORE_URL_INVALID)).toBe(true);
      expect((error as Error).message).toContain(why);
      expect((error as Error).message).not.toContain('\n');
      expect((error as Error).message).not.toContain('secret');
    }
  });
});

describe('configuration from the environment', () => {
  it('uses BREAKWATER_STORE, else the embedded default', () => {
    expect(storeUrlFromEnv({})).toBe('sqlite:.breakwater/state.db');
    expect(storeUrlFromEnv({ BREAKWATER_STORE: 'postgres://h/db' })).toBe('postgres://h/db');
  });

  it('refuses a non-redis BREAKWATER_REDIS', () => {
    expect(() => openRedisFromEnv({ BREAKWATER_REDIS: 'sqlite::memory:' })).toThrow(/redis:\/\//);
    expect(openRedisFromEnv({})).toBeUndefined();
  });
});

describe('retryable errors, classified in one place', () => {
  it.each([
    [{ code: 'SQLITE_BUSY' }, true],
    [{ code: '40001' }, true],
    [{ code: '40P01' }, true],
    [{ code: 'ECONNRESET' }, true],
    [new Error('Connection terminated unexpectedly'), true],
    [{ code: '23505' }, false],
    [{ code: 'SQLITE_CONSTRAINT' }, false],
    [new Error('syntax error'), false],
    [null, false],
  ])('%j -> %s', (error, expected) => {
    expect(isRetryable(error)).toBe(expected);
  });

  it('names the reason', () => {
    expect(retryableReason({ code: '40P01' })).toBe('SQLSTATE 40P01 (deadlock detected)');
  });
});

describeBackends('store', ['sqlite', 'postgres', 'redis'], (backend) => {
  it('reports health and closes cleanly, twice', async () => {
    const store = openStore(await backend.url());
    const health = await store.health();
    expect(health.ok).toBe(true);
    expect(health.latencyMs).toBeGreaterThanOrEqual(0);
    await store.close();
    await store.close();
  });
});

describe('store health when the backend is gone', () => {
  it('postgres on a dead port answers not ok within the timeout', async () => {
    const store = openStore('postgres://postgres@127.0.0.1:1/test');
    const health = await store.health({ timeoutMs: 500 });
    expect(health.ok).toBe(false);
    expect(health.error).toBeTruthy();
    await store.close();
  });

  it('redis on a dead port answers not ok within the timeout', async () => {
    const store = openStore('redis://127.0.0.1:1');
    const health = await store.health({ timeoutMs: 500 });
    expect(health.ok).toBe(false);
    await store.close();
  });
});

describe('sqlite shared by processes of one host', () => {
  it('uses WAL and lets two processes write the same file without losing a row', async () => {
    const file = path.join(tempDir(), 'shared.db');
    const store = openStore(`sqlite:${file}`);
    if (store.kind !== 'sqlite') throw new Error('expected sqlite');
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    store.db.exec('CREATE TABLE hits (n INTEGER)');
    const writer = () => runTs('test/fixtures/sqlite-writer.ts', [`sqlite:${file}`, '200']);
    const results = await Promise.all([writer(), writer()]);
    expect(results.map((r) => [r.code, r.stderr])).toEqual([
      [0, ''],
      [0, ''],
    ]);
    const row = store.db.prepare('SELECT count(*) AS n FROM hits').get() as { n: number };
    expect(row.n).toBe(400);
    await store.close();
  });
});
