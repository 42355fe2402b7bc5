import { afterAll, beforeAll, expect, it } from 'vitest';
import { hasCode } from '../../src/errors/breakwater-error.js';
import { errors } from '../../src/errors/registry.js';
import type { QuotaEvent } from '../../src/quota/events.js';
import { createQuotas, type QuotasOptions } from '../../src/quota/quotas.js';

/** What a backend case supplies: a store for createQuotas, and how to close it. */
export interface QuotaBackend {
  open(): Promise<{ store: QuotasOptions['store']; close(): Promise<void> }>;
}

const at = (iso: string): number => Date.parse(iso);
let orgSeq = 0;
const newOrg = (): string =>
  `org_${process.pid}_${++orgSeq}_${Math.random().toString(36).slice(2, 8)}`;

/**
 * The behaviour every quota store must show, with an injected clock: calendar resets at
 * local midnight (DST days too), month ends, sliding windows, token-bucket bursts, atomic
 * multi-quota steps, refunds, soft limits, gauges, leases, overrides, requests and history.
 */
export function quotaContract(backend: QuotaBackend): void {
  let store: QuotasOptions['store'];
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await backend.open());
  });
  afterAll(async () => close());

  function setup(definitions: QuotasOptions['definitions'], start: string) {
    const clock = { t: at(start) };
    const events: QuotaEvent[] = [];
    const quotas = createQuotas({
      store,
      definitions,
      now: () => clock.t,
      onEvent: (e) => events.push(e),
    });
    return { quotas, clock, events, organization: newOrg() };
  }

  async function fill(
    quotas: ReturnType<typeof createQuotas>,
    organization: string,
    name: string,
    n: number,
  ) {
    for (let i = 0; i < n; i++) {
      expect((await quotas.consume({ organization, quotas: [name] })).admitted).toBe(true);
    }
  }

  const zones: Array<[string, string, string, number]> = [
    // zone, a local evening on the change day (UTC), its next local midnight, day length (h)
    ['America/New_York', '2026-03-08T23:00:00Z', '2026-03-09T04:00:00Z', 23],
    ['America/New_York', '2026-11-01T23:00:00Z', '2026-11-02T05:00:00Z', 25],
    ['Europe/Berlin', '2026-03-29T20:00:00Z', '2026-03-29T22:00:00Z', 23],
    ['Europe/Berlin', '2026-10-25T20:00:00Z', '2026-10-25T23:00:00Z', 25],
  ];
  for (const [zone, evening, midnight, hours] of zones) {
    it(`resets a daily quota at local midnight in ${zone} on a ${hours}-hour day`, async () => {
      const { quotas, clock, organization } = setup(
        [{ name: 'daily', limit: 3, window: 'day', timeZone: zone }],
        evening,
      );
      await fill(quotas, organization, 'daily', 3);
      const refused = await quotas.consume({ organization, quotas: ['daily'] });
      expect(refused.admitted).toBe(false);
      expect(refused.violated).toEqual(['daily']);
      expect(refused.items[0]?.retryAt).toBe(at(midnight));
      expect(refused.items[0]?.resetAt).toBe(at(midnight));
      expect((refused.items[0]?.windowEnd ?? 0) - (refused.items[0]?.start ?? 0)).toBe(
        hours * 3_600_000,
      );
      clock.t = at(midnight) - 1;
      expect((await quotas.consume({ organization, quotas: ['daily'] })).admitted).toBe(false);
      clock.t = at(midnight);
      const next = await quotas.consume({ organization, quotas: ['daily'] });
      expect(next.admitted).toBe(true);
      expect(next.items[0]?.remaining).toBe(2);
    });
  }

  it('resets a monthly quota at the first of the month (UTC and a zone)', async () => {
    const { quotas, clock, organization } = setup(
      [
        { name: 'monthly', limit: 2, window: 'month' },
        { name: 'monthly_ny', limit: 2, window: 'month', timeZone: 'America/New_York' },
      ],
      '2026-01-31T23:00:00Z',
    );
    await fill(quotas, organization, 'monthly', 2);
    await fill(quotas, organization, 'monthly_ny', 2);
    expect((await quotas.consume({ organization, quotas: ['monthly'] })).admitted).toBe(false);
    clock.t = at('2026-02-01T00:00:00Z');
    expect((await quotas.consume({ organization, quotas: ['monthly'] })).admitted).toBe(true);
    // 19:00 on Jan 31 in New York: still January there
    expect((await quotas.consume({ organization, quotas: ['monthly_ny'] })).admitted).toBe(false);
    clock.t = at('2026-02-01T05:00:00Z');
    expect((await quotas.consume({ organization, quotas: ['monthly_ny'] })).admitted).toBe(true);
  });

  it('weighs the previous bucket of a sliding window', async () => {
    const { quotas, clock, organization } = setup(
      [{ name: 'rolling', limit: 10, window: 60 }],
      '2026-05-01T10:00:30Z',
    );
    await fill(quotas, organization, 'rolling', 10);
    const refused = await quotas.consume({ organization, quotas: ['rolling'] });
    expect(refused.admitted).toBe(false);
    // the next bucket starts at 10:01:00; one unit fits once 10 * (1 - x) <= 9: x = 0.1
    expect(refused.items[0]?.retryAt).toBe(at('2026-05-01T10:01:06Z'));
    clock.t = at('2026-05-01T10:01:30Z'); // half-way: the previous 10 count as 5
    await fill(quotas, organization, 'rolling', 5);
    expect((await quotas.consume({ organization, quotas: ['rolling'] })).admitted).toBe(false);
    clock.t = at('2026-05-01T10:03:00Z'); // two buckets later: empty
    const fresh = await quotas.consume({ organization, quotas: ['rolling'] });
    expect(fresh.admitted).toBe(true);
    expect(fresh.items[0]?.remaining).toBe(9);
  });

  it('lets a token bucket burst, then refills at limit per window', async () => {
    const { quotas, clock, organization } = setup(
      [{ name: 'bucket', limit: 60, window: 60, algorithm: 'token-bucket', burst: 5 }],
      '2026-05-01T10:00:00Z',
    );
    await fill(quotas, organization, 'bucket', 5);
    const refused = await quotas.consume({ organization, quotas: ['bucket'] });
    expect(refused.admitted).toBe(false);
    expect(refused.items[0]?.retryAt).toBe(at('2026-05-01T10:00:01Z'));
    clock.t += 1_000;
    await fill(quotas, organization, 'bucket', 1);
    expect((await quotas.consume({ organization, quotas: ['bucket'] })).admitted).toBe(false);
    clock.t += 60_000; // full again, but never above the burst
    await fill(quotas, organization, 'bucket', 5);
    expect((await quotas.consume({ organization, quotas: ['bucket'] })).admitted).toBe(false);
  });

  it('records one-quota checks of rolling windows in the daily history', async () => {
    const { quotas, organization } = setup(
      [
        { name: 'rolling', limit: 2, window: 60 },
        { name: 'bucket', limit: 60, window: 60, algorithm: 'token-bucket', burst: 1 },
        { name: 'soft', limit: 1, window: 60, enforcement: 'soft' },
      ],
      '2026-05-01T10:00:30Z',
    );
    for (const name of ['rolling', 'rolling', 'rolling', 'bucket', 'bucket', 'soft', 'soft']) {
      await quotas.consume({ organization, quotas: [name] });
    }
    expect(await quotas.history(organization, 1)).toEqual([
      { day: '2026-05-01', quota: 'bucket', used: 1, refused: 1, overage: 0 },
      { day: '2026-05-01', quota: 'rolling', used: 2, refused: 1, overage: 0 },
      { day: '2026-05-01', quota: 'soft', used: 2, refused: 0, overage: 1 },
    ]);
  });

  it('consumes several quotas with weights all or nothing', async () => {
    const { quotas, organization } = setup(
      [
        { name: 'calls', limit: 100, window: 'hour' },
        { name: 'items', limit: 10, window: 'day' },
      ],
      '2026-05-01T10:00:00Z',
    );
    const first = await quotas.consume({ organization, quotas: { calls: 1, items: 7 } });
    expect(first.admitted).toBe(true);
    const refused = await quotas.consume({ organization, quotas: { calls: 1, items: 4 } });
    expect(refused.admitted).toBe(false);
    expect(refused.violated).toEqual(['items']);
    const usage = await quotas.usage({ organization });
    const used = Object.fromEntries(usage.quotas.map((q) => [q.quota, q.used]));
    expect(used).toEqual({ calls: 1, items: 7 });
    expect((await quotas.consume({ organization, quotas: { calls: 1, items: 3 } })).admitted).toBe(
      true,
    );
  });

  it('decides steps issued together as exactly as one after another', async () => {
    const { quotas, organization } = setup(
      [
        { name: 'calls', limit: 5, window: 'day' },
        { name: 'posts', limit: 3, window: 'day' },
      ],
      '2026-05-01T10:00:00Z',
    );
    const other = newOrg();
    // one tick: a store may take these as one batch (Redis does); each stays its own step
    const together = await Promise.all([
      ...Array.from({ length: 8 }, () =>
        quotas.consume({ organization, quotas: ['calls', 'posts'] }),
      ),
      ...Array.from({ length: 7 }, () =>
        quotas.consume({ organization: other, quotas: ['calls'] }),
      ),
    ]);
    const mine = together.slice(0, 8);
    const theirs = together.slice(8);
    expect(mine.filter((c) => c.admitted)).toHaveLength(3);
    for (const refused of mine.filter((c) => !c.admitted)) {
      expect(refused.violated).toEqual(['posts']);
    }
    expect(theirs.filter((c) => c.admitted)).toHaveLength(5);
    const used = (report: Awaited<ReturnType<typeof quotas.usage>>) =>
      Object.fromEntries(report.quotas.map((q) => [q.quota, q.used]));
    // a refused step consumed nothing: calls stopped where posts did
    expect(used(await quotas.usage({ organization }))).toEqual({ calls: 3, posts: 3 });
    expect(used(await quotas.usage({ organization: other }))).toEqual({ calls: 5, posts: 0 });
  });

  it('refunds into the window it was consumed in, and only once', async () => {
    const { quotas, clock, organization } = setup(
      [
        { name: 'daily', limit: 2, window: 'day' },
        { name: 'rolling', limit: 2, window: 60 },
      ],
      '2026-05-01T23:59:30Z',
    );
    const a = await quotas.consume({ organization, quotas: ['daily', 'rolling'] });
    const b = await quotas.consume({ organization, quotas: ['daily', 'rolling'] });
    expect((await quotas.consume({ organization, quotas: ['daily'] })).admitted).toBe(false);
    await quotas.refund(a);
    await quotas.refund(a);
    const report = await quotas.usage({ organization });
    expect(report.quotas.find((q) => q.quota === 'daily')?.used).toBe(1);
    clock.t = at('2026-05-02T00:00:10Z'); // new day; the rolling bucket moved on
    await quotas.refund(b); // the daily window rolled: nothing to give back there
    const after = await quotas.usage({ organization });
    expect(after.quotas.find((q) => q.quota === 'daily')?.used).toBe(0);
    expect(after.quotas.find((q) => q.quota === 'rolling')?.used).toBe(0);
  });

  it('admits a soft quota over its limit as overage, with events and history', async () => {
    const { quotas, organization, events } = setup(
      [{ name: 'links', limit: 10, window: 'day', enforcement: 'soft' }],
      '2026-05-01T10:00:00Z',
    );
    await fill(quotas, organization, 'links', 9);
    expect(events.filter((e) => e.type === 'warning')).toHaveLength(1);
    const over = await quotas.consume({ organization, quotas: { links: 3 } });
    expect(over.admitted).toBe(true);
    expect(over.items[0]).toMatchObject({ used: 12, remaining: 0, overage: 2, warning: true });
    expect(events.find((e) => e.type === 'overage')).toMatchObject({ quota: 'links', overage: 2 });
    const [day] = await quotas.history(organization, 1);
    expect(day).toMatchObject({
      day: '2026-05-01',
      quota: 'links',
      used: 12,
      refused: 0,
      overage: 2,
    });
  });

  it('records refusals in the daily history and as events', async () => {
    const { quotas, organization, events } = setup(
      [{ name: 'exports', limit: 1, window: 'day', per: 'user' }],
      '2026-05-01T10:00:00Z',
    );
    const subject = { organization, user: 'u1' };
    expect((await quotas.consume({ ...subject, quotas: ['exports'] })).admitted).toBe(true);
    expect((await quotas.consume({ ...subject, quotas: ['exports'] })).admitted).toBe(false);
    expect((await quotas.consume({ organization, user: 'u2', quotas: ['exports'] })).admitted).toBe(
      true,
    );
    expect(events.filter((e) => e.type === 'exceeded')).toHaveLength(1);
    expect(await quotas.history(organization, 1)).toEqual([
      { day: '2026-05-01', quota: 'exports', used: 2, refused: 1, overage: 0 },
    ]);
    await expect(quotas.consume({ organization, quotas: ['exports'] })).rejects.toSatisfy((e) =>
      hasCode(e, errors.QUOTA_INVALID),
    );
  });

  it("records each organization's history under its own day when organizations share a key", async () => {
    const { quotas, clock, organization } = setup(
      [{ name: 'calls', limit: 100, window: 'day' }],
      '2026-05-01T10:00:00Z',
    );
    // two more organizations count under a key of the application's: `organization`'s name
    // (which `organization` too gives as its key once)
    const [second, third] = [newOrg(), newOrg()];
    const mine = { organization, quotas: ['calls'] };
    const keyed = (org: string) => ({
      organization: org,
      keys: { calls: organization },
      quotas: ['calls'],
    });
    for (const request of [
      mine,
      keyed(second),
      keyed(third),
      keyed(organization),
      mine,
      keyed(third),
    ]) {
      await quotas.consume(request);
    }
    clock.t = at('2026-05-02T10:00:00Z');
    for (const request of [mine, keyed(second), keyed(second)]) await quotas.consume(request);
    expect((await quotas.consume(mine)).items[0]?.used).toBe(4);
    const row = (day: string, used: number) => ({
      day,
      quota: 'calls',
      used,
      refused: 0,
      overage: 0,
    });
    expect(await quotas.history(organization, 2)).toEqual([
      row('2026-05-01', 3),
      row('2026-05-02', 2),
    ]);
    expect(await quotas.history(second, 2)).toEqual([row('2026-05-01', 1), row('2026-05-02', 2)]);
    expect(await quotas.history(third, 2)).toEqual([row('2026-05-01', 2)]);
  });

  it('counts one-quota checks of different quotas in turn each on its own quota', async () => {
    const { quotas, organization } = setup(
      [
        { name: 'a', limit: 2, window: 'day' },
        { name: 'b', limit: 3, window: 'day' },
      ],
      '2026-05-01T10:00:00Z',
    );
    // one names array, changed between checks
    const names = ['a'];
    const check = async (name: string) => {
      names[0] = name;
      const { admitted, items } = await quotas.consume({ organization, quotas: names });
      return [admitted, items[0]?.quota, items[0]?.used];
    };
    expect(await check('a')).toEqual([true, 'a', 1]);
    expect(await check('b')).toEqual([true, 'b', 1]);
    expect(await check('a')).toEqual([true, 'a', 2]);
    expect(await check('b')).toEqual([true, 'b', 2]);
    expect(await check('a')).toEqual([false, 'a', 2]);
    expect(await check('b')).toEqual([true, 'b', 3]);
  });

  it('counts fractional weights exactly, mixed with whole ones', async () => {
    const { quotas, organization } = setup(
      [{ name: 'storage_gb', limit: 3, window: 'month' }],
      '2026-05-01T10:00:00Z',
    );
    for (const weight of [1, 0.5, 1]) {
      expect(
        (await quotas.consume({ organization, quotas: { storage_gb: weight } })).admitted,
      ).toBe(true);
    }
    const refused = await quotas.consume({ organization, quotas: { storage_gb: 0.75 } });
    expect(refused.admitted).toBe(false);
    expect(refused.items[0]).toMatchObject({ used: 2.5, remaining: 0 });
    expect((await quotas.consume({ organization, quotas: { storage_gb: 0.5 } })).admitted).toBe(
      true,
    );
    expect(await quotas.history(organization, 1)).toEqual([
      { day: '2026-05-01', quota: 'storage_gb', used: 3, refused: 0.75, overage: 0 },
    ]);
  });

  it('sets and adjusts gauges within their limit', async () => {
    const { quotas, organization } = setup(
      [{ name: 'members', limit: 5, kind: 'gauge' }],
      '2026-05-01T10:00:00Z',
    );
    expect((await quotas.setGauge({ organization }, 'members', 4)).admitted).toBe(true);
    expect((await quotas.adjustGauge({ organization }, 'members', 2)).admitted).toBe(false);
    const one = await quotas.adjustGauge({ organization }, 'members', 1);
    expect(one.items[0]).toMatchObject({ used: 5, remaining: 0 });
    expect((await quotas.setGauge({ organization }, 'members', 6)).admitted).toBe(false);
    expect((await quotas.adjustGauge({ organization }, 'members', -3)).items[0]?.used).toBe(2);
    await quotas.setOverride(organization, 'members', 1);
    // a gauge above a lowered limit may still shrink
    expect((await quotas.adjustGauge({ organization }, 'members', -1)).admitted).toBe(true);
  });

  it('limits requests in flight with leases that expire', async () => {
    const { quotas, clock, organization } = setup(
      [{ name: 'inflight', limit: 2, kind: 'concurrency', leaseMs: 10_000 }],
      '2026-05-01T10:00:00Z',
    );
    const a = await quotas.acquire({ organization }, 'inflight');
    const b = await quotas.acquire({ organization }, 'inflight');
    expect(a.admitted && b.admitted).toBe(true);
    expect((await quotas.acquire({ organization }, 'inflight')).admitted).toBe(false);
    await quotas.release(a);
    const c = await quotas.acquire({ organization }, 'inflight');
    expect(c.admitted).toBe(true);
    clock.t += 10_001; // b and c crashed: their leases run out
    expect((await quotas.acquire({ organization }, 'inflight')).admitted).toBe(true);
  });

  it('applies overrides and the increase request workflow', async () => {
    const { quotas, organization, events } = setup(
      [{ name: 'daily', limit: 1, window: 'day' }],
      '2026-05-01T10:00:00Z',
    );
    await fill(quotas, organization, 'daily', 1);
    const filed = await quotas.requestIncrease({
      organization,
      quota: 'daily',
      limit: 3,
      reason: 'launch week',
    });
    expect(filed).toMatchObject({
      status: 'pending',
      currentLimit: 1,
      requestedLimit: 3,
      requestedBy: organization,
    });
    expect(
      (await quotas.listRequests({ status: 'pending', organization })).map((r) => r.id),
    ).toEqual([filed.id]);
    const approved = await quotas.approve(filed.id, { actor: 'ops@host', note: 'ok' });
    expect(approved).toMatchObject({
      status: 'approved',
      decidedBy: 'ops@host',
      grantedLimit: 3,
      note: 'ok',
    });
    expect(approved.decidedAt).toBe('2026-05-01T10:00:00.000Z');
    expect(await quotas.overrides(organization)).toEqual({ daily: 3 });
    await fill(quotas, organization, 'daily', 2);
    expect((await quotas.consume({ organization, quotas: ['daily'] })).admitted).toBe(false);
    await expect(quotas.reject(filed.id, { actor: 'other@host' })).rejects.toSatisfy((e) =>
      hasCode(e, errors.QUOTA_REQUEST_DECIDED),
    );
    const second = await quotas.requestIncrease({
      organization,
      quota: 'daily',
      limit: 9,
      reason: 'more',
    });
    expect(second.currentLimit).toBe(3);
    expect((await quotas.reject(second.id, { actor: 'ops@host' })).status).toBe('rejected');
    expect(await quotas.overrides(organization)).toEqual({ daily: 3 });
    await expect(quotas.approve('qr_missing', { actor: 'ops' })).rejects.toSatisfy((e) =>
      hasCode(e, errors.QUOTA_REQUEST_NOT_FOUND),
    );
    await expect(
      quotas.requestIncrease({ organization, quota: 'daily', limit: 2, reason: 'less' }),
    ).rejects.toSatisfy((e) => hasCode(e, errors.QUOTA_INVALID));
    expect(events.map((e) => e.type).filter((t) => t.startsWith('request-'))).toEqual([
      'request-filed',
      'request-approved',
      'request-filed',
      'request-rejected',
    ]);
    const report = await quotas.usage({ organization });
    expect(report.quotas[0]).toMatchObject({
      quota: 'daily',
      used: 3,
      limit: 3,
      remaining: 0,
      overridden: true,
    });
    expect(report.quotas[0]?.resetAt).toBe('2026-05-02T00:00:00.000Z');
  });
}
