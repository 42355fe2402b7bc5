import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { resolveConfig } from '../../src/config/resolve.js';

it('the config example in docs/deploys.md is valid and shows every field', () => {
  const doc = readFileSync('docs/deploys.md', 'utf8');
  const json = /<!-- example: config -->\n```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
  expect(json).toBeDefined();
  const config = resolveConfig(JSON.parse(json as string), { root: '/srv/orders', env: {} });
  expect(config.deploy.smoke).toHaveLength(2);
  expect(config.deploy.checks).toHaveLength(1);
  expect(config.app.env).toEqual({ NODE_ENV: 'production' });
});

it("the reference service's breakwater.config.ts loads", async () => {
  const file = path.resolve('examples/recognition-api/breakwater.config.ts');
  const config = await loadConfig({ file, env: {} });
  expect(config).toMatchObject({
    service: 'recognition-api',
    root: path.dirname(file),
    app: { healthPath: '/ready', cwd: path.dirname(file), label: 'v1' },
    router: { port: 8080 },
  });
  expect(config.app.command).toEqual([process.execPath, '--import', 'tsx', 'src/main.ts']);
});

it('the canary example in docs/canary.md is valid and equals the defaults it documents', () => {
  const doc = readFileSync('docs/canary.md', 'utf8');
  const json = /<!-- example: canary -->\n```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
  expect(json).toBeDefined();
  const input = JSON.parse(json as string);
  const config = resolveConfig(
    { service: 'orders', app: { command: 'node x.js' }, ...input },
    { root: '/srv/orders', env: {} },
  );
  const defaults = resolveConfig(
    { service: 'orders', app: { command: 'node x.js' } },
    { root: '/srv/orders', env: {} },
  );
  expect(config.canary.targeting).toHaveLength(2);
  // every number shown is the default, except the memory limit (off by default)
  const { limitBytes, ...memory } = config.canary.analysis.triggers.memory;
  expect(limitBytes).toBe(512 * 1024 * 1024);
  expect({
    ...config.canary,
    targeting: [],
    analysis: {
      ...config.canary.analysis,
      triggers: { ...config.canary.analysis.triggers, memory },
    },
  }).toEqual({
    ...defaults.canary,
    analysis: {
      ...defaults.canary.analysis,
      triggers: { ...defaults.canary.analysis.triggers, memory: { ...memory } },
    },
  });
});
