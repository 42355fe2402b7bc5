import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupBackends, tempDir } from '../support/backends.js';
import { runTs } from '../support/processes.js';

const FIXTURE = 'test/fixtures/jobs/docs-example.ts';

/** The example of docs/jobs.md, as it appears there (package imports). */
function documentedExample(): string {
  const doc = readFileSync('docs/jobs.md', 'utf8');
  const match = /<!-- example: jobs -->\s*```ts\n([\s\S]*?)```/.exec(doc);
  if (!match?.[1]) throw new Error('docs/jobs.md has no "example: jobs" block');
  return match[1];
}

afterAll(cleanupBackends);

describe('docs/jobs.md example', () => {
  it('is the tested fixture, imports aside', () => {
    const fixture = readFileSync(FIXTURE, 'utf8').replace(
      /'\.\.\/\.\.\/\.\.\/src\/([a-z/-]+?)(\/index)?\.js'/g,
      (_all, module: string) => `'breakwater/${module}'`,
    );
    expect(documentedExample()).toBe(fixture);
  });

  it('runs: enqueues with the user, retries once, completes with its result', async () => {
    const store = `sqlite:${path.join(tempDir(), 'state.db')}`;
    const { code, stdout, stderr } = await runTs(FIXTURE, [], { env: { BREAKWATER_STORE: store } });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      state: 'completed',
      attempts: 2,
      result: { sentTo: 'ada@example.com' },
      history: ['failed', 'completed'],
    });
  });
});
