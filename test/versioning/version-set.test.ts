import { describe, expect, it } from 'vitest';
import { hasCode } from '../../src/errors/breakwater-error.js';
import { errors } from '../../src/errors/registry.js';
import { defineChange } from '../../src/versioning/change-module.js';
import { defineVersions, type VersionSetConfig } from '../../src/versioning/version-set.js';

const rename = defineChange({
  version: 'v2',
  description: 'Renames a to b.',
  routes: ['GET /things'],
  downgradeResponse: (body) => body,
});

function configError(config: VersionSetConfig): string {
  try {
    defineVersions(config);
  } catch (error) {
    expect(hasCode(error, errors.VERSIONING_CONFIG)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('defineVersions accepted the configuration');
}

describe('defineVersions', () => {
  it('orders versions, normalises ids and defaults current and default to the newest', () => {
    const set = defineVersions({ versions: [10, 'v2', '1'], changes: [rename] });
    expect(set.ids).toEqual(['v1', 'v2', 'v10']);
    expect(set.scheme).toBe('integer');
    expect(set.newest).toBe('v10');
    expect(set.current).toBe('v10');
    expect(set.defaultVersion).toBe('v10');
    expect(set.versions[1]?.changes.map((c) => c.module)).toEqual([rename]);
    expect(set.parse('2')).toEqual({ kind: 'known', id: 'v2' });
    expect(set.parse('v3')).toEqual({ kind: 'unknown', id: 'v3' });
    expect(set.parse('three')).toEqual({ kind: 'malformed' });
  });

  it('takes date versions, current and a separate default', () => {
    const set = defineVersions({
      versions: ['2024-06-01', '2023-01-15', '2025-02-01'],
      current: '2024-06-01',
      defaultVersion: '2023-01-15',
    });
    expect(set.ids).toEqual(['2023-01-15', '2024-06-01', '2025-02-01']);
    expect(set.current).toBe('2024-06-01');
    expect(set.defaultVersion).toBe('2023-01-15');
  });

  it('rejects a sunset before its deprecation, naming the version', () => {
    const message = configError({
      versions: [{ version: 'v1', deprecation: '2025-06-01', sunset: '2025-01-01' }, 'v2'],
    });
    expect(message).toContain('version v1');
    expect(message).toContain('sunset 2025-01-01 is before its deprecation 2025-06-01');
    const route = configError({
      versions: ['v1'],
      routes: [{ route: 'GET /old', deprecation: new Date('2025-06-01'), sunset: '2025-05-31' }],
    });
    expect(route).toContain('route GET /old');
  });

  it.each<[string, VersionSetConfig, string]>([
    ['no versions', { versions: [] }, 'at least one version'],
    ['a bad id', { versions: ['beta'] }, '"beta" is neither'],
    ['mixed schemes', { versions: ['v1', '2024-06-01'] }, 'not an integer version'],
    ['a duplicate', { versions: ['v1', '1'] }, 'v1 is declared twice'],
    ['an unknown current', { versions: ['v1'], current: 'v2' }, 'current v2 is not a declared'],
    [
      'a date without zone',
      { versions: [{ version: 'v1', sunset: '2025-06-01T10:00:00' }] },
      'sunset must be a Date or an ISO 8601',
    ],
    [
      'an impossible date',
      { versions: [{ version: 'v1', deprecation: '2025-02-30' }] },
      'deprecation must be',
    ],
    [
      'a link that breaks the header',
      { versions: [{ version: 'v1', deprecationLink: 'https://x.test/a b' }] },
      'deprecationLink must be a URI',
    ],
    [
      'a change in the oldest version',
      { versions: ['v1', 'v2'], changes: [{ ...rename, version: 'v1' }] },
      'introduced in the oldest version v1',
    ],
    [
      'a change in an undeclared version',
      { versions: ['v1', 'v2'], changes: [{ ...rename, version: 'v3' }] },
      'version v3 is not a declared',
    ],
    [
      'a change that touches nothing',
      { versions: ['v1', 'v2'], changes: [{ ...rename, routes: [] }] },
      'touches nothing',
    ],
    [
      'a change with a malformed route',
      { versions: ['v1', 'v2'], changes: [{ ...rename, routes: ['things'] }] },
      'route "things" is not "METHOD /path"',
    ],
    [
      'a change without transform',
      {
        versions: ['v1', 'v2'],
        changes: [{ version: 'v2', description: 'x', routes: ['/x'] }],
      },
      'has no transform',
    ],
    [
      'a change without description',
      { versions: ['v1', 'v2'], changes: [{ ...rename, description: ' ' }] },
      'description must be a non-empty string',
    ],
  ])('rejects %s', (_name, config, part) => {
    expect(configError(config)).toContain(part);
  });

  it('combines a route lifecycle with its version, the earlier dates winning', () => {
    const set = defineVersions({
      versions: [{ version: 'v1', deprecation: '2025-01-01', sunset: '2026-01-01' }, 'v2'],
      routes: [
        {
          route: 'GET /reports',
          versions: ['v1'],
          deprecation: '2024-06-01',
          sunset: '2027-01-01',
          sunsetLink: 'https://docs.test/reports',
        },
        { route: '/legacy', deprecation: '2024-01-01' },
      ],
    });
    const v1 = set.lifecycleOf('v1', 'GET', '/reports');
    expect(v1.deprecationAt).toBe(Date.UTC(2024, 5, 1));
    expect(v1.sunsetAt).toBe(Date.UTC(2026, 0, 1));
    expect(v1.links).toEqual(['<https://docs.test/reports>; rel="sunset"']);
    expect(set.lifecycleOf('v2', 'GET', '/reports')).toEqual({ links: [] });
    expect(set.lifecycleOf('v2', 'POST', '/legacy').deprecationAt).toBe(Date.UTC(2024, 0, 1));
    expect(set.lifecycleOf('v1', 'POST', '/reports').deprecationAt).toBe(Date.UTC(2025, 0, 1));
  });
});
