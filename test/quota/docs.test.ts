import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupBackends, tempDir } from '../support/backends.js';
import { runTs } from '../support/processes.js';

afterAll(cleanupBackends);

/** The `ts example` block of docs/quotas.md, pointed at the sources instead of the package. */
function docsExample(): string {
  const doc = readFileSync('docs/quotas.md', 'utf8');
  const code = /```ts example\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!code) throw new Error('docs/quotas.md has no ```ts example block');
  return code
    .replace(
      "from 'fastify'",
      `from ${JSON.stringify(createRequire(import.meta.url).resolve('fastify'))}`,
    )
    .replace("'breakwater/quota'", JSON.stringify(path.resolve('src/quota/index.ts')))
    .replace(
      "'breakwater/http/fastify-quota'",
      JSON.stringify(path.resolve('src/http/fastify-quota.ts')),
    );
}

describe('docs/quotas.md', () => {
  it('runs its example as written and prints what it says', async () => {
    const file = path.join(tempDir(), 'example.mts');
    writeFileSync(file, docsExample());
    const result = await runTs(file);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^201 "api_calls_per_hour";r=9999;t=\d+, "burst";r=1;t=\d+, "recognitions_per_day";r=999;t=\d+$/,
    );
    expect(lines[1]).toMatch(/^201 .*"burst";r=0;/);
    expect(lines[2]).toBe('refused by burst');
    expect(lines[3]).toMatch(/^429 "api_calls_per_hour";r=9998;/);
    expect(lines[4]).toBe('recognitions today: 2 of 1000');
  });
});
