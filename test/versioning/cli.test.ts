import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { migrateBreakwater } from '../../src/migrate/own.js';
import { openStore } from '../../src/store/open.js';
import { versionPinStore } from '../../src/versioning/open.js';
import { cleanupBackends, describeBackends, tempDir } from '../support/backends.js';
import { runTs } from '../support/processes.js';
import { buildRecognitionsApp } from './fixtures/recognitions-app.js';

afterAll(cleanupBackends);

const MODULE = path.resolve('test/versioning/fixtures/api-versions.ts');

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      text += String(chunk);
      callback();
    },
  });
  return { stream, text: () => text };
}

/** Runs `breakwater versions ...` in-process with captured output. */
async function versions(args: string[], env: NodeJS.ProcessEnv = {}, cwd = tempDir()) {
  const out = sink();
  const err = sink();
  const io: CliIo = { stdout: out.stream, stderr: err.stream, env, cwd };
  const code = await runCli(['versions', ...args], io);
  return { code, out: out.text(), err: err.text() };
}

function expectOneLineError(result: { code: number; err: string }, ...parts: string[]) {
  expect(result.code).toBe(1);
  expect(result.err.trimEnd().split('\n')).toHaveLength(1);
  expect(result.err).toMatch(/^breakwater: /);
  for (const part of parts) expect(result.err).toContain(part);
}

describe('breakwater versions changelog', () => {
  it('prints the changelog from the modules, newest version first', async () => {
    const result = await versions(['changelog', '--module', MODULE]);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toBe(
      [
        'v2 (current)',
        '  Recognitions carry `text` and a `from` object with the name.',
        '  - Recognitions: `message` is renamed `text`, and the sender `from` becomes an object `{ id, name }` (requests send `from: { id }`).',
        '    routes: POST /recognitions, GET /recognitions/:id, GET /recognitions',
        '',
        'v1 (deprecated 2026-11-01, sunset 2027-06-01)',
        '  - first version',
        '',
      ].join('\n'),
    );
  });

  it('prints JSON, and finds the module through BREAKWATER_VERSIONS_MODULE', async () => {
    const result = await versions(['changelog', '--json'], { BREAKWATER_VERSIONS_MODULE: MODULE });
    expect(result.code).toBe(0);
    const entries = JSON.parse(result.out) as Array<Record<string, unknown>>;
    expect(entries.map((e) => e.version)).toEqual(['v2', 'v1']);
    expect(entries[0]).toMatchObject({
      current: true,
      changes: [
        {
          routes: ['POST /recognitions', 'GET /recognitions/:id', 'GET /recognitions'],
          resources: [],
        },
      ],
    });
    expect(entries[1]).toMatchObject({ deprecation: '2026-11-01', sunset: '2027-06-01' });
  });

  it('says in one line when the module is missing or exports no version set', async () => {
    expectOneLineError(
      await versions(['changelog', '--module', 'nope/versions.ts']),
      'nope/versions.ts: cannot load',
      'BW_VERSIONING_CONFIG',
    );
    expectOneLineError(
      await versions(['changelog', '--module', 'test/versioning/fixtures/no-versions.ts'], {}, '.'),
      'exports no version set',
    );
    const broken = path.join(tempDir(), 'broken.ts');
    writeFileSync(
      broken,
      "import { defineVersions } from '" +
        path.resolve('src/versioning/version-set.js') +
        "';\nexport default defineVersions({ versions: [{ version: 'v1', deprecation: '2025-06-01', sunset: '2025-01-01' }] });\n",
    );
    expectOneLineError(
      await versions(['changelog', '--module', broken]),
      'version v1: sunset 2025-01-01 is before its deprecation 2025-06-01',
    );
  });

  it('runs as a real process, loading the TypeScript module with tsx', async () => {
    const result = await runTs('src/cli/main.ts', ['versions', 'changelog', '--module', MODULE]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('v2 (current)');
  });
});

describeBackends('breakwater versions pin and show', ['sqlite', 'postgres', 'redis'], (backend) => {
  it('sets, moves and shows a pin, as text and JSON', async () => {
    const url = await backend.url();
    const store = openStore(url);
    if (store.kind !== 'redis') await migrateBreakwater(store);
    await store.close();

    expect(await versions(['show', 'org_acme', '--store', url])).toMatchObject({
      code: 0,
      out: 'org_acme: not pinned\n',
    });
    expect(await versions(['pin', 'org_acme', '1', '--store', url])).toMatchObject({
      code: 0,
      out: 'org_acme pinned to v1\n',
      err: '',
    });
    const moved = await versions(['--store', url, 'pin', 'org_acme', 'v2', '--json']);
    expect(moved.code).toBe(0);
    expect(JSON.parse(moved.out)).toMatchObject({
      orgId: 'org_acme',
      version: 'v2',
      previous: 'v1',
      pinnedAt: expect.any(Number),
    });
    expect((await versions(['pin', 'org_acme', 'v1', '--store', url])).out).toBe(
      'org_acme pinned to v1 (was v2)\n',
    );
    const shown = await versions(['show', 'org_acme', '--store', url, '--json']);
    expect(JSON.parse(shown.out)).toMatchObject({ orgId: 'org_acme', version: 'v1' });
    expect((await versions(['show', 'org_acme', '--store', url])).out).toMatch(
      /^org_acme: v1 \(since \d{4}-\d\d-\d\dT[\d:.]+Z\)\n$/,
    );
  });

  it('refuses a malformed version, and one the module does not declare', async () => {
    const url = await backend.url();
    expectOneLineError(
      await versions(['pin', 'org_a', 'latest', '--store', url]),
      '"latest" is not a version',
    );
    expectOneLineError(
      await versions(['pin', 'org_a', 'v3', '--store', url, '--module', MODULE]),
      '"v3" is not a version of',
      '(v1, v2)',
    );
  });
});

describeBackends(
  'breakwater versions pin on an unmigrated store',
  ['sqlite', 'postgres'],
  (backend) => {
    it('names the missing table and the fix in one line', async () => {
      expectOneLineError(
        await versions(['pin', 'org_a', 'v1', '--store', await backend.url()]),
        'breakwater_version_pins is missing',
        'migrateBreakwater',
      );
    });
  },
);

describe('an operator moving a pin with the CLI', () => {
  it('changes what the organization is served, without a version in the request', async () => {
    const file = path.join(tempDir(), 'state.db');
    const store = openStore(`sqlite:${file}`);
    if (store.kind === 'redis') throw new Error('unreachable');
    await migrateBreakwater(store);
    const app = await buildRecognitionsApp({ store, versioning: { pinCacheTtlMs: 0 } });
    const auth = { authorization: 'Bearer org_globex:usr_alan' };
    try {
      const first = await app.inject({
        method: 'POST',
        url: '/recognitions',
        headers: auth,
        payload: { to: 'usr_alan', text: 'pinned' },
      });
      expect(first.headers['api-version']).toBe('v2');
      expect((await versionPinStore(store).getPin('org_globex'))?.version).toBe('v2');
      const pinned = await versions(['pin', 'org_globex', 'v1', '--store', `sqlite:${file}`]);
      expect(pinned.out).toBe('org_globex pinned to v1 (was v2)\n');
      const id = (first.json() as { id: string }).id;
      const after = await app.inject({ method: 'GET', url: `/recognitions/${id}`, headers: auth });
      expect(after.headers['api-version']).toBe('v1');
      expect(after.json()).toMatchObject({ from: 'usr_alan', message: 'pinned' });
    } finally {
      await app.close();
      await store.close();
    }
  });
});
