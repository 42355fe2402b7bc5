import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { runTs, spawnTs } from '../support/processes.js';

const FIXTURE = 'test/pipeline/fixtures/stdout-lines.ts';
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

const routes = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (JSON.parse(line) as { route: string }).route);

/** Starts the fixture; resolves with its stdout once `lines` request lines were written. */
function linesWritten(env: NodeJS.ProcessEnv, lines: number): Promise<string> {
  const child = spawnTs(FIXTURE, [], { env });
  children.push(child);
  let stdout = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.split('\n').length > lines) resolve(stdout);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} with only: ${stdout}`)));
  });
}

describe('request lines on stdout, collected and written in batches', () => {
  it('writes the lines still collected when the process exits', async () => {
    const { code, stdout } = await runTs(FIXTURE, [], { env: { END: 'exit', LINES: '5' } });
    expect(code).toBe(3);
    expect(routes(stdout)).toEqual(['/lines/0', '/lines/1', '/lines/2', '/lines/3', '/lines/4']);
  });

  it('writes them on an uncaught exception too', async () => {
    const { code, stdout } = await runTs(FIXTURE, [], { env: { END: 'throw', LINES: '2' } });
    expect(code).toBe(1);
    expect(routes(stdout)).toEqual(['/lines/0', '/lines/1']);
  });

  it('writes a quiet process’s lines within the flush interval, while it runs', async () => {
    const started = Date.now();
    const stdout = await linesWritten({ END: 'wait', LINES: '2', FLUSH_MS: '100' }, 2);
    expect(routes(stdout)).toEqual(['/lines/0', '/lines/1']);
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('writes a full batch at once, long before the flush interval', async () => {
    const stdout = await linesWritten(
      { END: 'wait', LINES: '20', BUFFER_BYTES: '1000', FLUSH_MS: '600000' },
      15,
    );
    expect(routes(stdout).slice(0, 15)).toEqual(
      Array.from({ length: 15 }, (_, i) => `/lines/${i}`),
    );
  });
});
