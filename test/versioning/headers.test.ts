import { describe, expect, it } from 'vitest';
import { httpDate, parseInstant, structuredDate } from '../../src/versioning/http-dates.js';
import { appendLinks, lifecycleHeaders, resolveLifecycle } from '../../src/versioning/lifecycle.js';
import { parseImfFixdate, parseLinkHeader, parseSfDate } from './fixtures/rfc-parsers.js';

describe('deprecation headers, parsed back with the RFC grammars', () => {
  it('Deprecation is an RFC 9651 sf-date of whole epoch seconds (RFC 9745)', () => {
    const at = Date.UTC(2026, 10, 1, 12, 30, 15, 999);
    const value = structuredDate(at);
    expect(parseSfDate(value)).toBe(Math.floor(at / 1000));
    expect(structuredDate(0)).toBe('@0');
    // a sample of instants across the range the configuration accepts
    for (let ms = 0; ms < Date.UTC(9999, 0, 1); ms += 7_777_777_777_7) {
      expect(parseSfDate(structuredDate(ms)) * 1000).toBe(ms - (ms % 1000));
    }
  });

  it('Sunset is an IMF-fixdate (RFC 8594, RFC 9110 §5.6.7)', () => {
    expect(httpDate(Date.UTC(1994, 10, 6, 8, 49, 37))).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
    for (let ms = 0; ms < Date.UTC(9999, 11, 31); ms += 3_333_333_333_3) {
      expect(parseImfFixdate(httpDate(ms))).toBe(ms - (ms % 1000));
    }
    expect(parseImfFixdate(httpDate(Date.UTC(9999, 11, 31, 23, 59, 59)))).toBe(
      Date.UTC(9999, 11, 31, 23, 59, 59),
    );
  });

  it('the parsers used here reject near misses', () => {
    for (const bad of ['@', '@1.5', '1700000000', '@ 1', '@1234567890123456']) {
      expect(() => parseSfDate(bad), bad).toThrow();
    }
    for (const bad of [
      'Sun, 6 Nov 1994 08:49:37 GMT',
      'Sunday, 06-Nov-94 08:49:37 GMT',
      'Sun Nov  6 08:49:37 1994',
      'Mon, 06 Nov 1994 08:49:37 GMT',
      'Sun, 06 Nov 1994 08:49:37 UTC',
    ]) {
      expect(() => parseImfFixdate(bad), bad).toThrow();
    }
    expect(() => parseLinkHeader('https://x; rel=a')).toThrow();
    expect(() => parseLinkHeader('<https://x>; rel="a" <y>')).toThrow();
  });

  it('a lifecycle announces Deprecation, Sunset and Link with rel params', () => {
    const lifecycle = resolveLifecycle('version v1', {
      deprecation: '2026-11-01',
      sunset: '2027-06-01T12:00:00+02:00',
      deprecationLink: 'https://docs.test/v2-migration?from=v1',
      sunsetLink: '/docs/sunset',
    });
    const headers = lifecycleHeaders(lifecycle);
    expect(parseSfDate(headers.deprecation as string)).toBe(Date.UTC(2026, 10, 1) / 1000);
    expect(parseImfFixdate(headers.sunset as string)).toBe(Date.UTC(2027, 5, 1, 10));
    const existing = '<https://api.test/page/2>; rel="next"';
    const link = appendLinks(existing, headers.links) as string;
    expect(parseLinkHeader(link)).toEqual([
      { uri: 'https://api.test/page/2', params: { rel: 'next' } },
      { uri: 'https://docs.test/v2-migration?from=v1', params: { rel: 'deprecation' } },
      { uri: '/docs/sunset', params: { rel: 'sunset' } },
    ]);
    // list-valued and absent existing headers, and no duplicates when appended twice
    expect(
      parseLinkHeader(appendLinks([existing, '<a>; rel=x'], headers.links) as string),
    ).toHaveLength(4);
    expect(appendLinks(link, headers.links)).toBe(link);
    expect(appendLinks(undefined, [])).toBeUndefined();
  });

  it('reads configured instants strictly', () => {
    expect(parseInstant('2025-06-01')).toBe(Date.UTC(2025, 5, 1));
    expect(parseInstant('2025-06-01T10:00Z')).toBe(Date.UTC(2025, 5, 1, 10));
    expect(parseInstant(new Date(5000))).toBe(5000);
    for (const bad of ['2025-06-01T10:00:00', 'June 1 2025', '2025-02-30', '10000-01-01', '']) {
      expect(parseInstant(bad), bad).toBeUndefined();
    }
    expect(parseInstant(new Date(Number.NaN))).toBeUndefined();
    expect(parseInstant(new Date(-1))).toBeUndefined();
  });
});
