import { afterAll, beforeAll, expect, it } from 'vitest';
import { cleanupBackends, describeBackends } from '../../../test/support/backends.js';
import { newRecognitionId } from '../src/recognition.js';
import { bearer, problemOf, testApp } from './app-fixture.js';
import { countByMessage, GLOBEX_KEY, query } from './fixtures.js';

afterAll(cleanupBackends);

/**
 * `POST /v1/recognitions` with an Idempotency-Key, through the real app on each SQL backend:
 * the recognition row and the completed key are written in one transaction.
 */
describeBackends('idempotent POST /v1/recognitions', ['sqlite', 'postgres'], (backend) => {
  let fixture: Awaited<ReturnType<typeof testApp>>;
  // Ids pushed here are used first: a repeated id makes the insert fail in the transaction.
  const forcedIds: string[] = [];

  beforeAll(async () => {
    fixture = await testApp({
      url: await backend.url(),
      newId: () => forcedIds.shift() ?? newRecognitionId(),
    });
  });
  afterAll(() => fixture?.close());

  const post = (key: string | undefined, body: object, apiKey?: string) =>
    fixture.app.inject({
      method: 'POST',
      url: '/v1/recognitions',
      headers: { ...bearer(apiKey), ...(key === undefined ? {} : { 'idempotency-key': key }) },
      payload: body,
    });

  it('replays a retry byte for byte with Idempotent-Replayed, and stores one row', async () => {
    const body = { to: 'usr_grace', message: 'idem once', badges: ['retry'] };
    const first = await post('key-once', body);
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await post('key-once', body);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.rawPayload.equals(first.rawPayload)).toBe(true);
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    // The same key, body keys in another order: one request.
    const reordered = await post('key-once', {
      badges: ['retry'],
      message: 'idem once',
      to: 'usr_grace',
    });
    expect(reordered.headers['idempotent-replayed']).toBe('true');
    expect(await countByMessage(fixture.store, 'idem once')).toBe(1);
  });

  it('refuses the same key with another body: 422, nothing written', async () => {
    expect((await post('key-changed', { to: 'usr_grace', message: 'idem a' })).statusCode).toBe(
      201,
    );
    const changed = await post('key-changed', { to: 'usr_grace', message: 'idem b' });
    expect(changed.statusCode).toBe(422);
    expect(problemOf(changed).code).toBe('BW_IDEMPOTENCY_KEY_MISMATCH');
    expect(await countByMessage(fixture.store, 'idem b')).toBe(0);
  });

  it('scopes keys by organization, and runs every request that has no key', async () => {
    const body = { to: 'usr_hank', message: 'idem globex' };
    expect((await post('key-changed', body, GLOBEX_KEY)).statusCode).toBe(201);
    for (let i = 0; i < 2; i++) {
      expect((await post(undefined, { to: 'usr_grace', message: 'idem keyless' })).statusCode).toBe(
        201,
      );
    }
    expect(await countByMessage(fixture.store, 'idem keyless')).toBe(2);
  });

  it('rolls the key back with a failed insert, so the retry runs and commits both', async () => {
    // `rec_idem_dup` is taken by the first request: the second one's insert fails in the
    // transaction, the key is not completed, and its retry (a fresh id) succeeds.
    forcedIds.push('rec_idem_dup', 'rec_idem_dup');
    expect((await post('key-dup-1', { to: 'usr_grace', message: 'idem dup 1' })).statusCode).toBe(
      201,
    );
    const failed = await post('key-dup-2', { to: 'usr_grace', message: 'idem dup 2' });
    expect(failed.statusCode).toBe(500);
    const keys = () =>
      query<{ state: string }>(
        fixture.store,
        'SELECT state FROM breakwater_idempotency_keys WHERE idempotency_key = ?',
        ['key-dup-2'],
      );
    expect((await keys()).filter((k) => k.state === 'completed')).toEqual([]);
    expect(await countByMessage(fixture.store, 'idem dup 2')).toBe(0);

    const retried = await post('key-dup-2', { to: 'usr_grace', message: 'idem dup 2' });
    expect(retried.statusCode).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(await keys()).toEqual([{ state: 'completed' }]);
    expect(await countByMessage(fixture.store, 'idem dup 2')).toBe(1);
  });

  it('answers a malformed key with a 400 problem', async () => {
    const response = await post('two, keys', { to: 'usr_grace', message: 'idem bad key' });
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).code).toBe('BW_IDEMPOTENCY_KEY_INVALID');
  });
});
