import { describe, expect, it } from 'vitest';
import { formatPolicy, formatRateLimit, quotaHeaders, sfString } from '../../src/quota/headers.js';
import { createQuotas } from '../../src/quota/quotas.js';
import { parseSfList } from './sf.js';

describe('RateLimit headers (draft-ietf-httpapi-ratelimit-headers-10)', () => {
  it('serializes sf-strings and refuses what they cannot carry', () => {
    expect(sfString('daily')).toBe('"daily"');
    expect(sfString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(() => sfString('é')).toThrow(TypeError);
    expect(parseSfList(`${sfString('a"b\\c')};q=1`)[0]?.value).toBe('a"b\\c');
  });

  it('writes the draft example exactly, and parses back', async () => {
    let t = Date.parse('2026-05-01T23:59:30Z');
    const quotas = createQuotas({
      store: 'memory',
      now: () => t,
      definitions: [
        { name: 'burst', limit: 100, window: 60 },
        { name: 'daily', limit: 1000, window: 'day' },
        { name: 'inflight', limit: 4, kind: 'concurrency' },
      ],
    });
    const c = await quotas.consume({
      organization: 'o',
      quotas: { burst: 1, daily: 50, inflight: 1 },
    });
    expect(formatPolicy(c.items)).toBe(
      '"burst";q=100;w=60, "daily";q=1000;w=86400, "inflight";q=4;qu="concurrent-requests"',
    );
    // burst: 99 left, its bucket (and so its count) fully expires 2 minutes after it began
    expect(formatRateLimit(c.items, t)).toBe(
      '"burst";r=99;t=90, "daily";r=950;t=30, "inflight";r=3',
    );
    const policy = parseSfList(formatPolicy(c.items, 'org-7'));
    expect(policy.map((p) => p.value)).toEqual(['burst', 'daily', 'inflight']);
    expect(policy[1]?.params).toMatchObject({ q: 1000, w: 86400 });
    expect(Buffer.from(policy[1]?.params.pk as Uint8Array).toString()).toBe('org-7');
    t += 1_000;
    const limit = parseSfList(formatRateLimit(c.items, t));
    expect(limit[1]?.params).toEqual({ r: 950, t: 29 });
  });

  it('gives a refusal Retry-After no earlier than any violated policy', async () => {
    const t = Date.parse('2026-03-08T04:59:00Z'); // 23:59 in New York, the night before DST
    const quotas = createQuotas({
      store: 'memory',
      now: () => t,
      definitions: [
        { name: 'daily', limit: 1, window: 'day', timeZone: 'America/New_York' },
        { name: 'bucket', limit: 60, window: 60, algorithm: 'token-bucket', burst: 1 },
      ],
    });
    await quotas.consume({ organization: 'o', quotas: ['daily', 'bucket'] });
    const refused = await quotas.consume({ organization: 'o', quotas: ['daily', 'bucket'] });
    const headers = quotaHeaders(refused);
    const limits = parseSfList(headers.ratelimit ?? '');
    const daily = limits.find((l) => l.value === 'daily');
    const bucket = limits.find((l) => l.value === 'bucket');
    expect(daily?.params).toEqual({ r: 0, t: 60 });
    expect(bucket?.params).toEqual({ r: 0, t: 1 });
    expect(Number(headers['retry-after'])).toBe(60);
  });
});
