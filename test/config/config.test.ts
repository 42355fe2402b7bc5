import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defineConfig } from '../../src/config/define-config.js';
import { findConfigFile, loadConfig } from '../../src/config/load.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { cli } from '../deploy/support.js';
import { cleanupBackends, tempDir } from '../support/backends.js';

afterAll(cleanupBackends);

const minimal = { service: 'api', app: { command: 'node server.js' } };

const message = (input: unknown, env: NodeJS.ProcessEnv = {}) => {
  try {
    resolveConfig(input, { root: '/srv/app', file: '/srv/app/breakwater.config.json', env });
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
  return 'valid';
};

describe('config validation', () => {
  it('fills every default in one place', () => {
    const config = resolveConfig(minimal, { root: '/srv/app', env: {} });
    expect(config).toMatchObject({
      root: '/srv/app',
      service: 'api',
      storeUrl: 'sqlite:.breakwater/state.db',
      stateDir: '/srv/app/.breakwater',
      router: { host: '127.0.0.1', port: 8080, requestTimeoutMs: 60_000 },
      admin: { host: '127.0.0.1', port: 9090, token: undefined },
      app: {
        command: 'node server.js',
        url: undefined,
        cwd: '/srv/app',
        env: {},
        label: 'v1',
        healthPath: '/health',
      },
      deploy: {
        timeoutMs: 30_000,
        drainTimeoutMs: 30_000,
        rollbackWindowMs: 300_000,
        healthIntervalMs: 1_000,
        healthTimeoutMs: 5_000,
        smoke: [],
        checks: [],
      },
    });
  });

  it('takes the router port from PORT and the store from BREAKWATER_STORE', () => {
    const config = resolveConfig(minimal, {
      root: '/srv/app',
      env: { PORT: '3000', BREAKWATER_STORE: 'postgres://db/x' },
    });
    expect(config.router.port).toBe(3000);
    expect(config.storeUrl).toBe('postgres://db/x');
    expect(message(minimal, { PORT: 'eighty' })).toBe(
      'BW_CONFIG_INVALID: PORT must be a port number (got "eighty")',
    );
  });

  it('names the file and the field in every error', () => {
    expect(message({ app: { command: 'x' } })).toMatch(
      /^BW_CONFIG_INVALID: breakwater.config.json: service: /,
    );
    expect(message({ ...minimal, app: { command: 42 } })).toBe(
      'BW_CONFIG_INVALID: breakwater.config.json: app.command: must be a non-empty command string or an argv array of strings',
    );
    expect(message({ ...minimal, app: { command: 'x', url: 'http://a' } })).toMatch(
      /app.command: set exactly one of app.command .* or app.url/,
    );
    expect(message({ ...minimal, app: {} })).toMatch(/app.command: set exactly one/);
    expect(message({ ...minimal, app: { url: 'ftp://a' } })).toMatch(/app.url: must be an http/);
    expect(message({ ...minimal, router: { port: 70_000 } })).toMatch(/router.port: Too big/);
    expect(message({ ...minimal, deploy: { healthIntervalMs: 1.5 } })).toMatch(
      /deploy.healthIntervalMs: must be a whole number/,
    );
    expect(message({ ...minimal, deploy: { smoke: [{ path: 'health' }] } })).toMatch(
      /deploy.smoke.0/,
    );
    expect(message({ ...minimal, deploy: { rollbackWindow: 5 } })).toBe(
      'BW_CONFIG_INVALID: breakwater.config.json: deploy.rollbackWindow: unknown field',
    );
    expect(message({ ...minimal, admin: { token: 'short' } })).toMatch(
      /admin.token: must be at least 16 characters/,
    );
  });

  it('fills the canary defaults from the deployment procedures', () => {
    const { canary } = resolveConfig(minimal, { root: '/srv/app', env: {} });
    expect(canary).toMatchObject({
      steps: [10, 50, 100],
      intervalMs: 30_000,
      sticky: { cookie: 'bw_version' },
      targeting: [],
      analysis: {
        failureLimit: 0,
        triggers: {
          errorRate: { above: 0.05, sustainMs: 120_000, action: 'rollback' },
          meanLatency: { aboveMs: 2_000, sustainMs: 300_000, action: 'step-down' },
          healthFailures: { consecutive: 3, withinMs: 60_000, action: 'rollback' },
          memory: { aboveRatio: 0.9, sustainMs: 180_000, action: 'step-down' },
        },
        regression: { p95Ratio: 1.2, errorRateRatio: 2, memoryRatio: 1.3, throughputRatio: 0.8 },
        mannWhitney: { enabled: false, confidence: 0.98 },
      },
    });
    const custom = resolveConfig(
      { ...minimal, canary: { steps: [5, 'pause', 25], sticky: false } },
      { root: '/srv/app', env: {} },
    ).canary;
    expect(custom.steps).toEqual([5, 'pause', 25, 100]);
    expect(custom.sticky).toBeUndefined();
  });

  it('names the canary field that is wrong', () => {
    expect(message({ ...minimal, canary: { steps: [50, 10] } })).toBe(
      'BW_CONFIG_INVALID: breakwater.config.json: canary.steps: 10 must be larger than the step before it (50)',
    );
    expect(message({ ...minimal, canary: { steps: [10, 'wait'] } })).toMatch(/canary.steps.1: /);
    expect(message({ ...minimal, canary: { intervalMs: 5 } })).toMatch(/canary.intervalMs: /);
    expect(
      message({ ...minimal, canary: { targeting: [{ value: 'yes', to: 'canary' }] } }),
    ).toMatch(/canary.targeting.0.header: set exactly one of header or cookie/);
    expect(
      message({ ...minimal, canary: { analysis: { triggers: { errorRate: { above: 2 } } } } }),
    ).toMatch(/canary.analysis.triggers.errorRate.above: /);
    expect(message({ ...minimal, canary: { analysis: { minSamples: 3 } } })).toBe(
      'BW_CONFIG_INVALID: breakwater.config.json: canary.analysis.minSamples: unknown field',
    );
  });

  it('defineConfig types a config and returns it unchanged', () => {
    const config = defineConfig({ service: 'x', app: { url: 'http://127.0.0.1:3000' } });
    expect(message(config)).toBe('valid');
  });
});

describe('config files', () => {
  it('loads breakwater.config.ts, .js and .json, relative to the file', async () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, 'breakwater.config.ts'),
      `import { defineConfig } from '${path.resolve('src/config/define-config.ts')}';\nconst port: number = 4000;\nexport default defineConfig({ service: 'ts', router: { port }, app: { command: ['node', 'a.js'], cwd: 'app' } });\n`,
    );
    expect(findConfigFile(dir)).toBe(path.join(dir, 'breakwater.config.ts'));
    const ts = await loadConfig({ cwd: dir, env: {} });
    expect(ts).toMatchObject({
      service: 'ts',
      root: dir,
      router: { port: 4000 },
      app: { cwd: path.join(dir, 'app') },
    });

    const js = path.join(dir, 'other.mjs');
    writeFileSync(js, `export default { service: 'js', app: { url: 'http://127.0.0.1:1' } };\n`);
    expect((await loadConfig({ file: js, cwd: dir, env: {} })).app.url).toBe('http://127.0.0.1:1');

    const json = path.join(dir, 'breakwater.config.json');
    writeFileSync(json, JSON.stringify({ service: 'json', app: { command: 'x' } }));
    expect((await loadConfig({ file: 'breakwater.config.json', cwd: dir, env: {} })).service).toBe(
      'json',
    );
  });

  it('reports a missing file, broken JSON and a bad field', async () => {
    const dir = tempDir();
    await expect(loadConfig({ cwd: dir })).rejects.toThrow(
      /no breakwater.config.\{ts,js,json\} in /,
    );
    writeFileSync(path.join(dir, 'breakwater.config.json'), '{ "service": ');
    await expect(loadConfig({ cwd: dir })).rejects.toThrow(
      /breakwater.config.json: is not valid JSON/,
    );
  });

  it('breakwater up exits 2 with one line naming the field', async () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, 'breakwater.config.json'),
      JSON.stringify({ service: 'x', app: { command: 'x', label: 'no spaces allowed' } }),
    );
    const result = await cli(['up'], { cwd: dir, env: {} });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'breakwater: breakwater.config.json: app.label: must be 1-64 letters, digits, ".", "_", "+" or "-" [BW_CONFIG_INVALID]\n',
    );
  });
});
