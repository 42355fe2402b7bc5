import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/admin/audit.js';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { migrateBreakwater } from '../../src/migrate/index.js';
import { breakerClusterStore } from '../../src/resilience/index.js';
import { openStore } from '../../src/store/open.js';
import { cleanupBackends, describeBackends, tempDir } from '../support/backends.js';

afterAll(cleanupBackends);

/** Runs `breakwater breakers ...` in process with captured output. */
async function breakers(args: string[], env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const sink = (write: (s: string) => void) =>
    new Writable({
      write: (chunk, _encoding, done) => {
        write(String(chunk));
        done();
      },
    });
  const io: CliIo = {
    stdout: sink((s) => {
      out += s;
    }),
    stderr: sink((s) => {
      err += s;
    }),
    env: { USER: 'tester', ...env },
    cwd: tempDir(),
  };
  const code = await runCli(['breakers', ...args], io);
  return { code, out, err };
}

describeBackends('breakwater breakers', ['sqlite', 'postgres', 'redis'], (backend) => {
  it('lists published states and writes cluster overrides with versions', async () => {
    const url = await backend.url();
    const store = openStore(url);
    try {
      if (store.kind !== 'redis') await migrateBreakwater(store);
      const cluster = breakerClusterStore(store);
      const now = Date.now();
      await cluster.publish(
        'api-1',
        now - 1_000,
        [{ breaker: 'slack', state: 'OPEN', cause: 'local', since: now - 500 }],
        now,
      );
      await cluster.publish(
        'api-2',
        now - 600_000,
        [{ breaker: 'slack', state: 'CLOSED', cause: 'local', since: now - 600_000 }],
        now - 600_000,
      );

      const listed = await breakers(['--store', url]);
      expect(listed).toMatchObject({ code: 0, err: '' });
      const [header, ...lines] = listed.out.trimEnd().split('\n');
      expect(header).toMatch(/^INSTANCE\s+BREAKER\s+STATE\s+CAUSE\s+SINCE\s+UPDATED\s+LIVE$/);
      expect(lines[0]).toMatch(/^api-1\s+slack\s+OPEN\s+local\s+\S+Z\s+\S+Z\s+yes$/);
      expect(lines[1]).toMatch(/^api-2\s+slack\s+CLOSED\s+local\s+.*stale$/);

      const opened = await breakers(['open', 'slack', '--store', url, '--actor', 'alice@ops']);
      expect(opened).toMatchObject({ code: 0, err: '' });
      expect(opened.out).toBe(
        'breaker "slack": forced open on every instance (version 1, by alice@ops)\n',
      );
      const reset = await breakers(['--store', url, 'reset', 'slack', '--json']);
      expect(JSON.parse(reset.out)).toMatchObject({ breaker: 'slack', mode: 'reset', version: 2 });
      expect(JSON.parse(reset.out).actor).toMatch(/^tester@/);
      const closed = await breakers(['close', 'email', '--store', url]);
      expect(closed.code).toBe(0);

      const json = await breakers(['--json', '--store', url]);
      const listing = JSON.parse(json.out) as {
        states: Array<{ instance: string; live: boolean }>;
        overrides: Array<{ breaker: string; mode: string; version: number }>;
      };
      expect(listing.states.map((s) => [s.instance, s.live])).toEqual([
        ['api-1', true],
        ['api-2', false],
      ]);
      expect(listing.overrides.map((o) => `${o.breaker}:${o.mode}:${o.version}`)).toEqual([
        'email:close:1',
        'slack:reset:2',
      ]);
      expect((await breakers(['--store', url])).out).toMatch(
        /\nOVERRIDE\s+MODE\s+VERSION\s+ACTOR\s+UPDATED\n/,
      );

      if (store.kind !== 'redis') {
        const audit = await createAuditLog(store).list({ limit: 5 });
        expect(audit.map((e) => `${e.action} ${e.target}`)).toEqual([
          'breaker.close email',
          'breaker.reset slack',
          'breaker.open slack',
        ]);
        expect(audit[2]).toMatchObject({ actor: 'alice@ops', detail: { via: 'cli', version: 1 } });
      }
    } finally {
      await store.close();
    }
  });
});

describe('breakwater breakers: bad input', () => {
  it('answers one line on stderr and a non-zero exit', async () => {
    const store = `sqlite:${path.join(tempDir(), 'fresh.db')}`;
    const badName = await breakers(['open', 'bad name', '--store', store]);
    expect(badName.code).toBe(2);
    expect(badName.err).toBe('breakwater: breakers open: invalid breaker name "bad name"\n');

    const unmigrated = await breakers(['--store', store]);
    expect(unmigrated.code).toBe(1);
    expect(unmigrated.err.trimEnd().split('\n')).toHaveLength(1);
    expect(unmigrated.err).toMatch(/breaker tables are missing .* \[BW_STORE_UNSUPPORTED\]\n$/);

    const badStore = await breakers(['--store', 'mysql://x/db']);
    expect(badStore.code).toBe(1);
    expect(badStore.err).toMatch(/unknown scheme "mysql:".*\[BW_STORE_URL_INVALID\]\n$/);

    const badStale = await breakers(['--store', store, '--stale-after', 'soon']);
    expect(badStale.code).toBe(2);
    expect(badStale.err).toMatch(/--stale-after must be a duration/);
  });
});
