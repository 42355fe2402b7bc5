import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fetch } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupBackends, tempDir } from '../support/backends.js';
import { spawnTs } from '../support/processes.js';
import { parseLinkHeader, parseSfDate } from './fixtures/rfc-parsers.js';

const FIXTURE = 'test/versioning/fixtures/docs-example.ts';

/** The Fastify example of docs/versioning.md, as it appears there (package imports). */
function documentedExample(): string {
  const doc = readFileSync('docs/versioning.md', 'utf8');
  const match = /<!-- example: fastify -->\s*```ts\n([\s\S]*?)```/.exec(doc);
  if (!match?.[1]) throw new Error('docs/versioning.md has no "example: fastify" block');
  return match[1];
}

afterAll(cleanupBackends);

describe('docs/versioning.md Fastify example', () => {
  it('is the tested fixture, imports aside', () => {
    const fixture = readFileSync(FIXTURE, 'utf8').replace(
      /'\.\.\/\.\.\/\.\.\/src\/([a-z/-]+?)(\/index)?\.js'/g,
      (_all, module: string) => `'breakwater/${module}'`,
    );
    expect(documentedExample()).toBe(fixture);
  });

  it('runs: one v2 handler answers v1 and v2 callers, pins, deprecates v1', async () => {
    const store = `sqlite:${path.join(tempDir(), 'state.db')}`;
    const child = spawnTs(FIXTURE, [], {
      env: { BREAKWATER_STORE: store, PORT: '0' },
    });
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const listening = new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (chunk) => {
        stdout += chunk;
        const match = /"url":"([^"]+)"/.exec(stdout);
        if (match?.[1]) resolve(match[1]);
      });
      child.on('exit', () => reject(new Error(`example exited early: ${stdout}`)));
    });
    let url = '';
    const post = (route: string, body: object, headers: Record<string, string> = {}) =>
      fetch(`${url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-tenant': 'acme', ...headers },
        body: JSON.stringify(body),
      });
    try {
      url = await listening;
      const v1 = await post('/v1/notes', { message: 'hello' }, { 'idempotency-key': 'n-1' });
      expect(v1.status).toBe(201);
      const created = (await v1.json()) as { id: string; message: string };
      expect(created).toEqual({ id: expect.any(String), message: 'hello' });
      expect(v1.headers.get('location')).toBe(`/v1/notes/${created.id}`);
      expect(parseSfDate(v1.headers.get('deprecation') ?? '')).toBe(Date.UTC(2026, 5, 1) / 1000);
      expect(v1.headers.get('sunset')).toBe('Tue, 01 Jan 2030 00:00:00 GMT');
      expect(parseLinkHeader(v1.headers.get('link') ?? '')[0]?.params.rel).toBe('deprecation');

      const v2 = await fetch(`${url}/v2/notes/${created.id}`, { headers: { 'x-tenant': 'acme' } });
      expect(await v2.json()).toEqual({ id: created.id, text: 'hello' });
      expect(v2.headers.get('deprecation')).toBeNull();

      // the first request pinned "acme" to v2: a bare request gets v2, a header v1
      const bare = await fetch(`${url}/notes/${created.id}`, { headers: { 'x-tenant': 'acme' } });
      expect(bare.headers.get('api-version')).toBe('v2');
      const asV1 = await fetch(`${url}/notes/${created.id}`, {
        headers: { 'x-tenant': 'acme', 'api-version': '1' },
      });
      expect(await asV1.json()).toEqual({ id: created.id, message: 'hello' });

      const replay = await post('/v1/notes', { message: 'hello' }, { 'idempotency-key': 'n-1' });
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(await replay.json()).toEqual(created);

      const invalid = await post('/v1/notes', { message: '' });
      expect(invalid.status).toBe(400);
      expect(await invalid.json()).toMatchObject({ field: 'body/message' });
      const unknown = await post('/notes', { text: 'x' }, { 'api-version': '3' });
      expect(unknown.status).toBe(400);
      expect(await unknown.json()).toMatchObject({
        code: 'BW_VERSION_UNKNOWN',
        supportedVersions: ['v1', 'v2'],
      });

      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain(
        'breakwater_api_version_requests_total{version="v1",source="path"} 3',
      );
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
