import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupBackends, tempDir } from '../support/backends.js';
import { runTs } from '../support/processes.js';

afterAll(cleanupBackends);

/** The `ts example` blocks of docs/resilience.md, pointed at the sources instead of the package. */
function docsExamples(): string[] {
  const doc = readFileSync('docs/resilience.md', 'utf8');
  const blocks = [...doc.matchAll(/```ts example\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  if (blocks.length === 0) throw new Error('docs/resilience.md has no ```ts example block');
  return blocks.map((code) =>
    code.replace(/'breakwater\/(resilience|migrate|store)'/g, (_, sub: string) =>
      JSON.stringify(path.resolve(`src/${sub}/index.ts`)),
    ),
  );
}

async function run(code: string) {
  const file = path.join(tempDir(), 'example.mts');
  writeFileSync(file, code);
  return runTs(file);
}

describe('docs/resilience.md', () => {
  it('runs its policies example and prints what the page says', async () => {
    const result = await run(docsExamples()[0] as string);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        '1 queued CLOSED',
        '2 queued CLOSED',
        '3 queued CLOSED',
        '4 queued CLOSED',
        '5 queued OPEN',
        '6 queued, breaker open OPEN',
        'cached copy 3',
        'FORCED_OPEN',
        '',
      ].join('\n'),
    );
  });

  it('runs its webhook example: sent, then queued in the outbox', async () => {
    const result = await run(docsExamples()[1] as string);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      "{ outcome: 'sent', status: 200 }\nqueued [ { text: 'Grace recognised Ada' } ]\n",
    );
  });
});
