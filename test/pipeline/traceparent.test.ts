import { describe, expect, it } from 'vitest';
import {
  formatTraceparent,
  newSpanId,
  newTraceId,
  parseTraceparent,
} from '../../src/pipeline/index.js';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const P = '00f067aa0ba902b7';

describe('parseTraceparent', () => {
  it('reads a version 00 header', () => {
    expect(parseTraceparent(`00-${T}-${P}-01`)).toEqual({
      version: '00',
      traceId: T,
      parentId: P,
      flags: '01',
    });
  });

  it('reads a future version by its first four fields, ignoring what follows a dash', () => {
    expect(parseTraceparent(`01-${T}-${P}-00`)?.traceId).toBe(T);
    expect(parseTraceparent(`fe-${T}-${P}-03-anything-else`)).toMatchObject({
      parentId: P,
      flags: '03',
    });
  });

  it.each([
    ['empty', ''],
    ['undefined', undefined],
    ['an array (repeated header)', [`00-${T}-${P}-01`, `00-${T}-${P}-01`]],
    ['version ff', `ff-${T}-${P}-01`],
    ['uppercase version', `0A-${T}-${P}-01`],
    ['uppercase trace id', `00-${T.toUpperCase()}-${P}-01`],
    ['uppercase flags', `00-${T}-${P}-0A`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${P}-01`],
    ['all-zero parent id', `00-${T}-${'0'.repeat(16)}-01`],
    ['short trace id', `00-${T.slice(2)}-${P}-01`],
    ['long trace id', `00-${T}ab-${P}-01`],
    ['short parent id', `00-${T}-${P.slice(1)}-01`],
    ['one-digit flags', `00-${T}-${P}-1`],
    ['version 00 with more fields', `00-${T}-${P}-01-00`],
    ['future version without a dash after the flags', `01-${T}-${P}-01x`],
    ['wrong separators', `00_${T}_${P}_01`],
    ['non-hex', `00-${T.replace('a', 'z')}-${P}-01`],
  ])('rejects %s', (_what, header) => {
    expect(parseTraceparent(header as string)).toBeUndefined();
  });
});

describe('ids and formatting', () => {
  it('makes random lowercase hex ids of the right length', () => {
    expect(newTraceId()).toMatch(/^[0-9a-f]{32}$/);
    expect(newSpanId()).toMatch(/^[0-9a-f]{16}$/);
    expect(newTraceId()).not.toBe(newTraceId());
  });

  it('formats version 00 and keeps only the sampled flag', () => {
    expect(formatTraceparent(T, P)).toBe(`00-${T}-${P}-01`);
    expect(formatTraceparent(T, P, '00')).toBe(`00-${T}-${P}-00`);
    expect(formatTraceparent(T, P, 'ff')).toBe(`00-${T}-${P}-01`);
    expect(parseTraceparent(formatTraceparent(T, P))).toBeDefined();
  });
});
