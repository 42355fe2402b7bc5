import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  isVersionSegment,
  parseVersion,
  schemeOf,
  stripVersionSegment,
  versionSegmentOf,
} from '../../src/versioning/version-id.js';

describe('version ids', () => {
  it('reads integers as v<n>, with or without the v, in either case', () => {
    expect(parseVersion('integer', '1')).toBe('v1');
    expect(parseVersion('integer', 'v1')).toBe('v1');
    expect(parseVersion('integer', 'V12')).toBe('v12');
    expect(parseVersion('integer', '0')).toBe('v0');
  });

  it.each([
    '',
    'v',
    'v01',
    '01',
    '1.0',
    'v1.2',
    '-1',
    '+1',
    ' 1',
    '1 ',
    'vv1',
    '1e3',
    '0x10',
    '１',
    'v1234567890',
    'v1/2',
    '2024-06-01',
  ])('rejects %j as an integer version', (raw) => {
    expect(parseVersion('integer', raw)).toBeUndefined();
  });

  it('reads calendar dates and rejects days that do not exist', () => {
    expect(parseVersion('date', '2024-06-01')).toBe('2024-06-01');
    expect(parseVersion('date', '2024-02-29')).toBe('2024-02-29');
    for (const raw of [
      '2023-02-29',
      '2024-13-01',
      '2024-00-10',
      '2024-04-31',
      '2024-6-1',
      '20240601',
      '1969-12-31',
      'v2024-06-01',
      '2024-06-01T00:00:00Z',
      '2024-06-01 ',
      '1',
    ]) {
      expect(parseVersion('date', raw), raw).toBeUndefined();
    }
  });

  it('orders integers numerically and dates chronologically', () => {
    const integers = ['v10', 'v2', 'v1', 'v9'];
    expect(integers.sort((a, b) => compareVersions('integer', a, b))).toEqual([
      'v1',
      'v2',
      'v9',
      'v10',
    ]);
    const dates = ['2024-11-01', '2023-12-31', '2024-02-01'];
    expect(dates.sort((a, b) => compareVersions('date', a, b))).toEqual([
      '2023-12-31',
      '2024-02-01',
      '2024-11-01',
    ]);
  });

  it('tells the scheme of a declared version', () => {
    expect(schemeOf('v3')).toBe('integer');
    expect(schemeOf('2024-06-01')).toBe('date');
    expect(schemeOf('beta')).toBeUndefined();
  });

  it('recognises a version path segment and strips it for routing', () => {
    expect(isVersionSegment('v1')).toBe(true);
    expect(isVersionSegment('V2')).toBe(true);
    expect(isVersionSegment('v99x')).toBe(true);
    expect(isVersionSegment('2024-06-01')).toBe(true);
    expect(isVersionSegment('validate')).toBe(false);
    expect(isVersionSegment('recognitions')).toBe(false);
    expect(isVersionSegment('1')).toBe(false);
    expect(versionSegmentOf('/v1/recognitions?x=1')).toBe('v1');
    expect(versionSegmentOf('/v1?x=1')).toBe('v1');
    expect(versionSegmentOf('/recognitions/v1')).toBeUndefined();
    expect(stripVersionSegment('/v1/recognitions?x=1')).toBe('/recognitions?x=1');
    expect(stripVersionSegment('/v1')).toBe('/');
    expect(stripVersionSegment('/v1?x=1')).toBe('/?x=1');
    expect(stripVersionSegment('/2024-06-01/recognitions/7')).toBe('/recognitions/7');
    expect(stripVersionSegment('/validate/x')).toBe('/validate/x');
    expect(stripVersionSegment('/')).toBe('/');
  });
});
