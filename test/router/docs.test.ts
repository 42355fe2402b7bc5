import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupBackends, tempDir } from '../support/backends.js';
import { runTs } from '../support/processes.js';

afterAll(cleanupBackends);

describe('docs/router.md', () => {
  it('runs its canary table example and prints what the comments say', async () => {
    const doc = readFileSync('docs/router.md', 'utf8');
    const code = /```ts example\n([\s\S]*?)```/.exec(doc)?.[1];
    if (code === undefined) throw new Error('docs/router.md has no ```ts example block');
    const file = path.join(tempDir(), 'example.mts');
    writeFileSync(
      file,
      code.replace("'breakwater/router'", JSON.stringify(path.resolve('src/router/index.ts'))),
    );
    const result = await runTs(file);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const promised = [...code.matchAll(/\/\/ (r1\d assign=\w+):/g)].map((m) => m[1]);
    expect(promised).toHaveLength(4);
    expect(result.stdout.trim().split('\n')).toEqual(promised);
  });
});
