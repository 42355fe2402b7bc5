import { afterAll, beforeAll, expect, it } from 'vitest';
import { RECOGNITION_QUOTAS } from '../../../src/quota/defaults.js';
import { createQuotas } from '../../../src/quota/quotas.js';
import { cleanupBackends, describeBackends } from '../../../test/support/backends.js';
import { newRecognitionId } from '../src/recognition.js';
import { bearer, problemOf, testApp } from './app-fixture.js';
import { GLOBEX_KEY, query } from './fixtures.js';

afterAll(cleanupBackends);

/** Three recognitions a day per organization, the other quotas as shipped. */
const DAILY_LIMIT = 3;
const definitions = RECOGNITION_QUOTAS.map((q) =>
  q.name === 'recognitions_per_day' ? { ...q, limit: DAILY_LIMIT } : q,
);

interface Usage {
  quotas: Array<{ quota: string; used: number; limit: number; remaining: number }>;
}

describeBackends('quotas on POST /v1/recognitions', ['sqlite', 'postgres'], (backend) => {
  let fixture: Awaited<ReturnType<typeof testApp>>;
  const forcedIds: string[] = [];
  beforeAll(async () => {
    fixture = await testApp({
      url: await backend.url(),
      quotas: (store) => createQuotas({ store, definitions }),
      newId: () => forcedIds.shift() ?? newRecognitionId(),
    });
  });
  afterAll(() => fixture?.close());

  const post = (message: string, key?: string, apiKey?: string) =>
    fixture.app.inject({
      method: 'POST',
      url: '/v1/recognitions',
      headers: { ...bearer(apiKey), ...(key ? { 'idempotency-key': key } : {}) },
      payload: { to: apiKey === GLOBEX_KEY ? 'usr_hank' : 'usr_grace', message },
    });
  const used = async (quota: string, apiKey?: string) => {
    const response = await fixture.app.inject({ url: '/v1/quota', headers: bearer(apiKey) });
    expect(response.statusCode).toBe(200);
    return (response.json() as Usage).quotas.find((q) => q.quota === quota)?.used;
  };

  it('consumes the three create quotas, charges nothing for replays or 5xx, then answers 429', async () => {
    const first = await post('quota 1', 'quota-key');
    expect(first.statusCode).toBe(201);
    expect(first.headers['ratelimit-policy']).toContain(`"recognitions_per_day";q=${DAILY_LIMIT}`);
    expect(first.headers['ratelimit-policy']).toContain('"api_calls_per_hour"');
    expect(first.headers['ratelimit-policy']).toContain('"recognitions_per_month"');
    expect(first.headers.ratelimit).toContain(`"recognitions_per_day";r=${DAILY_LIMIT - 1}`);
    expect(await used('recognitions_per_day')).toBe(1);
    expect(await used('recognitions_per_month')).toBe(1);
    expect(await used('api_calls_per_hour')).toBe(1);

    // An idempotent replay and a failed insert (5xx) cost nothing.
    expect((await post('quota 1', 'quota-key')).headers['idempotent-replayed']).toBe('true');
    forcedIds.push(first.json().id);
    expect((await post('quota failing')).statusCode).toBe(500);
    expect(await used('recognitions_per_day')).toBe(1);

    expect((await post('quota 2')).statusCode).toBe(201);
    expect((await post('quota 3')).statusCode).toBe(201);
    const refused = await post('quota 4', 'refused-key');
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(problemOf(refused)).toMatchObject({
      code: 'BW_QUOTA_EXCEEDED',
      'violated-policies': ['recognitions_per_day'],
      instance: '/v1/recognitions', // the URL called, not the rewritten /recognitions
    });
    expect(await used('recognitions_per_day')).toBe(DAILY_LIMIT);
    // The refusal is not stored under its idempotency key: a retry tomorrow runs again.
    const stored = await query(
      fixture.store,
      "SELECT 1 FROM breakwater_idempotency_keys WHERE idempotency_key = ? AND state = 'completed'",
      ['refused-key'],
    );
    expect(stored).toEqual([]);
  });

  it('counts per organization', async () => {
    expect(await used('recognitions_per_day', GLOBEX_KEY)).toBe(0);
    expect((await post('globex quota', undefined, GLOBEX_KEY)).statusCode).toBe(201);
    expect(await used('recognitions_per_day', GLOBEX_KEY)).toBe(1);
  });

  it('does not govern reads', async () => {
    const list = await fixture.app.inject({ url: '/v1/recognitions', headers: bearer() });
    expect(list.statusCode).toBe(200);
    expect(list.headers.ratelimit).toBeUndefined();
  });
});
