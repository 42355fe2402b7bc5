import { describe, expect, it } from 'vitest';
import { hasCode } from '../../src/errors/breakwater-error.js';
import { errors } from '../../src/errors/registry.js';
import { calendarWindow, localDay } from '../../src/quota/calendar.js';
import { resolveQuota } from '../../src/quota/definition.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('calendar windows', () => {
  it.each([
    [
      'America/New_York',
      '2026-03-08T12:00:00Z',
      '2026-03-08T05:00:00.000Z',
      '2026-03-09T04:00:00.000Z',
    ],
    [
      'America/New_York',
      '2026-11-01T12:00:00Z',
      '2026-11-01T04:00:00.000Z',
      '2026-11-02T05:00:00.000Z',
    ],
    [
      'Europe/Berlin',
      '2026-03-29T12:00:00Z',
      '2026-03-28T23:00:00.000Z',
      '2026-03-29T22:00:00.000Z',
    ],
    [
      'Europe/Berlin',
      '2026-10-25T12:00:00Z',
      '2026-10-24T22:00:00.000Z',
      '2026-10-25T23:00:00.000Z',
    ],
    [
      'Asia/Kolkata',
      '2026-01-31T20:00:00Z',
      '2026-01-31T18:30:00.000Z',
      '2026-02-01T18:30:00.000Z',
    ],
    ['UTC', '2026-02-28T23:59:59Z', '2026-02-28T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
  ])('day in %s at %s runs from local midnight to local midnight', (zone, now, start, end) => {
    const window = calendarWindow('day', zone, Date.parse(now));
    expect([iso(window.start), iso(window.end)]).toEqual([start, end]);
  });

  it('months run from the first to the first, in the zone', () => {
    const march = calendarWindow('month', 'Europe/Berlin', Date.parse('2026-03-15T00:00:00Z'));
    expect([iso(march.start), iso(march.end), march.day]).toEqual([
      '2026-02-28T23:00:00.000Z',
      '2026-03-31T22:00:00.000Z',
      '2026-03-01',
    ]);
    const dec = calendarWindow('month', 'UTC', Date.parse('2026-12-31T23:59:59Z'));
    expect(iso(dec.end)).toBe('2027-01-01T00:00:00.000Z');
  });

  it('names the local day an instant belongs to', () => {
    expect(localDay(Date.parse('2026-03-08T04:59:59Z'), 'America/New_York')).toBe('2026-03-07');
    expect(localDay(Date.parse('2026-03-08T05:00:00Z'), 'America/New_York')).toBe('2026-03-08');
  });
});

describe('quota definitions', () => {
  it('fill in defaults', () => {
    expect(resolveQuota({ name: 'x', limit: 5, window: 'hour' })).toMatchObject({
      kind: 'counter',
      windowMs: 3_600_000,
      enforcement: 'hard',
      warnAt: 0.9,
      onStoreFailure: 'open',
      timeZone: 'UTC',
      per: 'organization',
    });
  });

  it.each([
    [{ name: 'bad name!', limit: 1, window: 'day' }, 'name'],
    [{ name: 'x', limit: -1, window: 'day' }, 'limit'],
    [{ name: 'x', limit: 1, window: 'day', timeZone: 'Mars/Olympus' }, 'time zone'],
    [{ name: 'x', limit: 1, window: 0.5 }, 'window'],
    [{ name: 'x', limit: 1, window: 'day', burst: 3 }, 'burst'],
    [{ name: 'x', limit: 1, kind: 'gauge', window: 'day' }, 'no window'],
    [{ name: 'x', limit: 1, window: 'day', warnAt: 2 }, 'warnAt'],
  ])('refuse %j naming the problem', (definition, words) => {
    let caught: unknown;
    try {
      resolveQuota(definition as never);
    } catch (error) {
      caught = error;
    }
    expect(hasCode(caught, errors.CONFIG_INVALID)).toBe(true);
    expect((caught as Error).message).toContain(words);
  });
});
