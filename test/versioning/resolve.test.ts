import path from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BreakwaterError, hasCode } from '../../src/errors/breakwater-error.js';
import { errors } from '../../src/errors/registry.js';
import { migrateBreakwater } from '../../src/migrate/own.js';
import { hashId } from '../../src/pipeline/hash.js';
import { openSqlite } from '../../src/store/sqlite.js';
import type { SqliteStore } from '../../src/store/types.js';
import { createVersioning, type VersionRequest } from '../../src/versioning/engine.js';
import { recognitionVersions, V1_SUNSET } from '../../src/versioning/examples/recognitions.js';
import {
  ORG_REQUESTS_METRIC,
  OTHER_ORG_LABEL,
  REJECTIONS_METRIC,
} from '../../src/versioning/metrics.js';
import type { VersioningOptions } from '../../src/versioning/options.js';
import { sqlitePinStore } from '../../src/versioning/sqlite.js';
import { defineVersions } from '../../src/versioning/version-set.js';
import { cleanupBackends, tempDir } from '../support/backends.js';

afterAll(cleanupBackends);

const NOW = Date.UTC(2026, 10, 22);
const AFTER_SUNSET = Date.parse(V1_SUNSET) + 1;

let store: SqliteStore;
beforeAll(async () => {
  store = openSqlite(path.join(tempDir(), 'state.db'));
  await migrateBreakwater(store);
});
afterAll(() => store.close());

const request = (inputs: VersionRequest['inputs'], orgId?: string): VersionRequest => ({
  method: 'GET',
  route: '/recognitions/:id',
  inputs,
  orgId,
});

function versioning(options: Partial<VersioningOptions> = {}) {
  return createVersioning({
    versions: recognitionVersions,
    pins: sqlitePinStore(store),
    pinCacheTtlMs: 0,
    now: () => NOW,
    ...options,
  });
}

async function rejection(promise: Promise<unknown>): Promise<BreakwaterError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error === undefined) throw new Error('expected a rejection');
  return error as BreakwaterError;
}

describe('version resolution', () => {
  it.each<[string, VersionRequest['inputs'], string | undefined, string, string]>([
    ['nothing: the default', {}, undefined, 'v2', 'default'],
    ['the query parameter', { query: 'v1' }, undefined, 'v1', 'query'],
    ['header over query', { header: '1', query: '2' }, undefined, 'v1', 'header'],
    ['X-API-Version alone', { legacyHeader: 'V1' }, undefined, 'v1', 'header'],
    ['both headers agreeing', { header: 'v1', legacyHeader: '1' }, undefined, 'v1', 'header'],
    [
      'path over header and query',
      { path: 'v2', header: 'v1', query: 'v1' },
      undefined,
      'v2',
      'path',
    ],
    ['path over a pin', { path: 'v2' }, 'org_pinned_v1', 'v2', 'path'],
    ['query over a pin', { query: '2' }, 'org_pinned_v1', 'v2', 'query'],
    ['the pin over the default', {}, 'org_pinned_v1', 'v1', 'pin'],
    ['a first request pins the current version', {}, 'org_new', 'v2', 'pin'],
  ])('takes %s', async (_name, inputs, orgId, version, source) => {
    await sqlitePinStore(store).setPin('org_pinned_v1', 'v1');
    const resolved = await versioning().resolve(request(inputs, orgId));
    expect({ version: resolved.version, source: resolved.source }).toEqual({ version, source });
    expect(resolved.rejection).toBeUndefined();
  });

  it('pins an organization on its first request even when it names a version', async () => {
    const pins = sqlitePinStore(store);
    await versioning().resolve(request({ header: 'v1' }, 'org_explicit_first'));
    expect((await pins.getPin('org_explicit_first'))?.version).toBe('v2');
  });

  it.each<[string, VersionRequest['inputs']]>([
    ['a word', { header: 'latest' }],
    ['an empty header', { header: '' }],
    ['a blank header', { header: '   ' }],
    ['an unknown version', { header: 'v3' }],
    ['version zero', { header: '0' }],
    ['a leading zero', { header: 'v01' }],
    ['a decimal', { header: '1.0' }],
    ['a full-width digit', { header: '１' }],
    ['a list in one field', { header: '1, 2' }],
    ['two header lines', { header: ['1', '2'] }],
    ['a date in an integer API', { header: '2024-06-01' }],
    ['headers that disagree', { header: 'v1', legacyHeader: 'v2' }],
    ['a malformed X-API-Version', { legacyHeader: 'x' }],
    ['a repeated query parameter', { query: ['1', '2'] }],
    ['a query object', { query: { a: '1' } }],
    ['an empty query parameter', { query: '' }],
    ['an unknown path version', { path: 'v9' }],
    ['a malformed path version', { path: 'v1x' }],
    ['a malformed header beside a valid path', { path: 'v1', header: 'nope' }],
    ['a malformed query beside a valid header', { header: 'v1', query: 'nope' }],
    ['a very long value', { header: `v${'9'.repeat(5000)}` }],
  ])('answers 400 listing the supported versions for %s', async (_name, inputs) => {
    const error = await rejection(versioning().resolve(request(inputs)));
    expect(hasCode(error, errors.VERSION_UNKNOWN)).toBe(true);
    expect(error.status).toBe(400);
    expect(error.extensions.supportedVersions).toEqual(['v1', 'v2']);
    expect(error.message).toContain('Supported: v1, v2.');
    expect(error.message.length).toBeLessThan(200);
  });

  it('refuses a version after its sunset with a 410, or serves it when configured', async () => {
    const later = versioning({ now: () => AFTER_SUNSET });
    const gone = await later.resolve(request({ path: 'v1' }));
    expect(gone.rejection?.status).toBe(410);
    expect(hasCode(gone.rejection, errors.VERSION_SUNSET)).toBe(true);
    expect(gone.rejection?.message).toContain('v1 was sunset on 2027-06-01');
    expect(gone.rejection?.extensions.supportedVersions).toEqual(['v2']);
    expect(later.supported()).toEqual(['v2']);
    // the 400 for an unknown version now lists only what is still served
    const unknown = await rejection(later.resolve(request({ header: 'v7' })));
    expect(unknown.extensions.supportedVersions).toEqual(['v2']);
    const lenient = versioning({ now: () => AFTER_SUNSET, afterSunset: 'serve' });
    const served = await lenient.resolve(request({ path: 'v1' }));
    expect(served.rejection).toBeUndefined();
    expect(served.lifecycle.sunsetAt).toBe(Date.parse(V1_SUNSET));
    // just before the sunset it is served
    const before = versioning({ now: () => Date.parse(V1_SUNSET) - 1 });
    expect((await before.resolve(request({ path: 'v1' }))).rejection).toBeUndefined();
  });

  it('answers 503 when the pin store fails and the request names no version', async () => {
    const broken = openSqlite(path.join(tempDir(), 'broken.db'));
    await migrateBreakwater(broken);
    await broken.close();
    const seen: unknown[] = [];
    const engine = versioning({ pins: sqlitePinStore(broken), onPinError: (e) => seen.push(e) });
    const error = await rejection(engine.resolve(request({}, 'org_x')));
    expect(hasCode(error, errors.VERSION_STORE_UNAVAILABLE)).toBe(true);
    expect(error.status).toBe(503);
    expect(seen).toHaveLength(1);
    // a request that names its version is served; failOpen serves the default
    expect((await engine.resolve(request({ header: 'v1' }, 'org_x'))).version).toBe('v1');
    const open = versioning({ pins: sqlitePinStore(broken), pinFailOpen: true });
    expect(await open.resolve(request({}, 'org_x'))).toMatchObject({
      version: 'v2',
      source: 'default',
    });
  });

  it('treats a pin to a removed old version as sunset and any other unknown pin as config', async () => {
    const pins = sqlitePinStore(store);
    await pins.setPin('org_v0', 'v0');
    await pins.setPin('org_v7', 'v7');
    await pins.setPin('org_junk', 'junk');
    const engine = versioning();
    const old = await rejection(engine.resolve(request({}, 'org_v0')));
    expect(old.status).toBe(410);
    expect(old.message).toContain('pinned to API version v0');
    for (const org of ['org_v7', 'org_junk']) {
      const error = await rejection(engine.resolve(request({}, org)));
      expect(hasCode(error, errors.VERSIONING_CONFIG)).toBe(true);
    }
    // the request can still name a version
    expect((await engine.resolve(request({ header: 'v2' }, 'org_v7'))).version).toBe('v2');
  });

  it('counts deprecated-version requests per hashed organization, bounded', async () => {
    const registry = new Registry();
    const engine = versioning({
      registry,
      orgMetrics: { hashSecret: 'secret', maxOrgs: 2 },
    });
    for (const org of ['org_a', 'org_b', 'org_c', 'org_d']) {
      await engine.resolve(request({ header: 'v1' }, org));
      await engine.resolve(request({ header: 'v2' }, org));
    }
    await engine.resolve(request({ header: 'nope' })).catch(() => {});
    const values = (await registry.getSingleMetric(ORG_REQUESTS_METRIC)?.get())?.values ?? [];
    const series = values.map((v) => ({ ...v.labels, value: v.value }));
    expect(series).toEqual([
      { version: 'v1', org: hashId('secret', 'org_a'), value: 1 },
      { version: 'v1', org: hashId('secret', 'org_b'), value: 1 },
      { version: 'v1', org: OTHER_ORG_LABEL, value: 2 },
    ]);
    const text = await registry.metrics();
    expect(text).not.toContain('org_a');
    expect(text).toContain('breakwater_api_version_requests_total{version="v2",source="header"} 4');
    const rejected = await registry.getSingleMetric(REJECTIONS_METRIC)?.get();
    expect(rejected?.values).toEqual([{ labels: { reason: 'invalid' }, value: 1 }]);
  });

  it('validates its options once, naming the bad one', () => {
    expect(() => versioning({ afterSunset: 'later' as never })).toThrow(/afterSunset/);
    expect(() => versioning({ pinCacheTtlMs: -1 })).toThrow(/pinCacheTtlMs/);
    expect(() => versioning({ orgMetrics: { hashSecret: '' } })).toThrow(/hashSecret/);
    expect(() => createVersioning({ versions: {} as never })).toThrow(/defineVersions/);
  });
});

describe('date versions', () => {
  const dated = defineVersions({
    versions: ['2024-06-01', '2023-01-15', { version: '2025-02-01', summary: 'newest' }],
  });
  const engine = createVersioning({ versions: dated });

  it('resolves, orders and rejects dates like integers', async () => {
    expect(dated.ids).toEqual(['2023-01-15', '2024-06-01', '2025-02-01']);
    expect((await engine.resolve(request({}))).version).toBe('2025-02-01');
    expect((await engine.resolve(request({ path: '2023-01-15' }))).version).toBe('2023-01-15');
    expect((await engine.resolve(request({ header: '2024-06-01' }))).source).toBe('header');
    for (const header of ['2024-6-1', '2024-02-30', 'v1', '2024-06-02', '2024-06-01T00:00Z']) {
      const error = await rejection(engine.resolve(request({ header })));
      expect(error.extensions.supportedVersions, header).toEqual(dated.ids);
    }
  });
});
