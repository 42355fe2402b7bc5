import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { hasCode } from '../../src/errors/breakwater-error.js';
import { errors } from '../../src/errors/registry.js';
import type { FastifyIdempotencyOptions } from '../../src/http/fastify-idempotency.js';
import { idempotencyStore } from '../../src/idempotency/open.js';
import type { TransactionalIdempotencyStore } from '../../src/idempotency/store.js';
import { openStore } from '../../src/store/open.js';
import type { SqlStore } from '../../src/store/types.js';
import { buildOrdersApp, createBusinessTable } from '../fixtures/idempotency/app.js';
import { holdGate } from '../fixtures/idempotency/gate.js';
import { migrateIdempotency } from '../fixtures/idempotency/migrate.js';
import { cleanupBackends, describeBackends } from '../support/backends.js';

afterAll(cleanupBackends);

const T0 = 1_700_000_000_000;
const LEASE = 60_000;

describeBackends('idempotency transactional mode', ['sqlite', 'postgres'], (backend) => {
  let store: SqlStore;
  const clock = { t: T0 };
  const apps: FastifyInstance[] = [];
  // The apps' warn-level log lines: a response sent twice would show here.
  let logs: string[] = [];

  beforeAll(async () => {
    store = openStore(await backend.url()) as SqlStore;
    await migrateIdempotency(store);
    await createBusinessTable(store);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await store.close();
  });
  beforeEach(() => {
    logs = [];
  });
  afterEach(async () => {
    // Fastify warns once the handler's promise settles, right after the outcome is pushed.
    await new Promise((resolve) => setImmediate(resolve));
    expect(logs.filter((line) => /already sent/i.test(line))).toEqual([]);
  });
  // transaction() resolves once the response has finished: the handler records its outcome
  // just after inject() has the response.
  const settled = (outcomes: unknown[], expected: unknown[]) =>
    vi.waitFor(() => expect(outcomes).toEqual(expected));

  async function build(
    idempotency: Partial<FastifyIdempotencyOptions> = {},
    gate?: (request: FastifyRequest) => Promise<void>,
  ) {
    clock.t = T0;
    const built = await buildOrdersApp({
      store,
      business: store,
      idempotency: { now: () => clock.t, ...idempotency },
      log: (line) => logs.push(line),
      ...(gate ? { gate } : {}),
    });
    apps.push(built.app);
    return built;
  }
  const post = (
    app: FastifyInstance,
    key: string | undefined,
    headers: Record<string, string> = {},
  ) =>
    app.inject({
      method: 'POST',
      url: '/orders-tx',
      payload: { item: 'tea' },
      headers: { ...(key ? { 'idempotency-key': key } : {}), ...headers },
    });

  async function rows(key: string): Promise<number> {
    const sql = 'SELECT count(*) AS n FROM orders WHERE idem_key = ';
    if (store.kind === 'sqlite') return (store.db.prepare(`${sql}?`).get(key) as { n: number }).n;
    return Number((await store.pool.query(`${sql}$1`, [key])).rows[0].n);
  }
  async function keyState(key: string): Promise<string | undefined> {
    const sql = 'SELECT state FROM breakwater_idempotency_keys WHERE idempotency_key = ';
    if (store.kind === 'sqlite') {
      return (store.db.prepare(`${sql}?`).get(key) as { state: string } | undefined)?.state;
    }
    return (await store.pool.query(`${sql}$1`, [key])).rows[0]?.state;
  }

  it('commits the business row and the completed key together, then replays', async () => {
    const { app, executions, outcomes } = await build();
    const key = randomUUID();
    const first = await post(app, key);
    expect(first.statusCode).toBe(201);
    await settled(outcomes, [{ status: 201, committed: true }]);
    expect(first.headers.location).toMatch(/^\/orders\//);
    expect(await rows(key)).toBe(1);
    expect(await keyState(key)).toBe('completed');
    const replay = await post(app, key);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.rawPayload.equals(first.rawPayload)).toBe(true);
    expect(replay.headers.location).toBe(first.headers.location);
    expect(executions()).toBe(1);
    expect(outcomes).toHaveLength(1); // the replay never reached the handler
    expect(await rows(key)).toBe(1);
  });

  it('rolls back the business row and releases the key when the work throws', async () => {
    const { app, executions, outcomes } = await build();
    const key = randomUUID();
    expect((await post(app, key, { 'x-throw': '1' })).statusCode).toBe(500);
    expect(outcomes).toEqual([]); // transaction() rejected with the work's error
    expect(await rows(key)).toBe(0);
    expect(await keyState(key)).toBeUndefined();
    expect((await post(app, key)).statusCode).toBe(201);
    await settled(outcomes, [{ status: 201, committed: true }]);
    expect(await rows(key)).toBe(1);
    expect(executions()).toBe(2);
  });

  it('rolls back a 5xx answer and releases the key, so the retry runs again', async () => {
    const { app, executions, outcomes } = await build();
    const key = randomUUID();
    expect((await post(app, key, { 'x-status': '503' })).statusCode).toBe(503);
    await settled(outcomes, [{ status: 503, committed: false }]);
    expect(await rows(key)).toBe(0);
    expect(await keyState(key)).toBeUndefined();
    expect((await post(app, key)).statusCode).toBe(201);
    expect(executions()).toBe(2);
  });

  it('rolls back a holder whose lease was taken over: 409 BW_IDEMPOTENCY_LEASE_LOST', async () => {
    const hold = holdGate();
    const { app, executions, outcomes } = await build({}, hold.gate);
    const key = randomUUID();
    const stale = post(app, key, { 'x-gate': 'hold' });
    await hold.entered;
    clock.t = T0 + LEASE;
    const takeover = await post(app, key);
    expect(takeover.statusCode).toBe(201);
    await settled(outcomes, [{ status: 201, committed: true }]);
    hold.release();
    const late = await stale;
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ code: 'BW_IDEMPOTENCY_LEASE_LOST' });
    await settled(outcomes, [
      { status: 201, committed: true }, // the takeover
      { status: 409, committed: false }, // the stale holder, rolled back
    ]);
    expect(await rows(key)).toBe(1); // only the valid holder's row committed
    const replay = await post(app, key);
    expect(replay.rawPayload.equals(takeover.rawPayload)).toBe(true);
    expect(executions()).toBe(2);
  });

  it('without a key, runs the work in a plain transaction', async () => {
    const { app, outcomes } = await build();
    const before = await rows('');
    const response = await post(app, undefined);
    expect(response.statusCode).toBe(201);
    await settled(outcomes, [{ status: 201, committed: true }]);
    const count =
      store.kind === 'sqlite'
        ? (
            store.db.prepare('SELECT count(*) AS n FROM orders WHERE idem_key IS NULL').get() as {
              n: number;
            }
          ).n
        : Number(
            (await store.pool.query('SELECT count(*) AS n FROM orders WHERE idem_key IS NULL'))
              .rows[0].n,
          );
    expect(count).toBeGreaterThan(before);
  });

  it('store level: a stale token rolls the work back and answers undefined', async () => {
    const idem = idempotencyStore(store) as TransactionalIdempotencyStore<unknown>;
    const scope = { key: randomUUID(), tenant: '', method: 'POST', route: '/x' };
    await idem.claim(scope, 'fp', 'tok-a', LEASE, T0);
    await idem.claim(scope, 'fp', 'tok-b', LEASE, T0 + LEASE);
    const marker = randomUUID();
    const work = (tx: unknown) => {
      const answer = { status: 200, headers: {}, body: Buffer.from('x') };
      if (store.kind === 'sqlite') {
        (tx as import('better-sqlite3').Database)
          .prepare('INSERT INTO orders (id, idem_key) VALUES (?, ?)')
          .run(marker, marker);
        return answer;
      }
      return (tx as import('pg').PoolClient)
        .query('INSERT INTO orders (id, idem_key) VALUES ($1, $2)', [marker, marker])
        .then(() => answer);
    };
    expect(await idem.completeWithin(scope, 'tok-a', 1000, () => T0 + LEASE, work)).toBeUndefined();
    expect(await rows(marker)).toBe(0);
    expect(await idem.completeWithin(scope, 'tok-b', 1000, () => T0 + LEASE, work)).toBeDefined();
    expect(await rows(marker)).toBe(1);
  });

  it.skipIf(backend.kind !== 'sqlite')(
    'SQLite refuses asynchronous work (it cannot hold the transaction across an await)',
    async () => {
      const idem = idempotencyStore(store) as TransactionalIdempotencyStore<unknown>;
      const scope = { key: randomUUID(), tenant: '', method: 'POST', route: '/x' };
      await idem.claim(scope, 'fp', 'tok', LEASE, T0);
      const error = await idem
        .completeWithin(
          scope,
          'tok',
          1000,
          () => T0,
          async () => ({
            status: 200,
            headers: {},
            body: Buffer.alloc(0),
          }),
        )
        .catch((e: unknown) => e);
      expect(hasCode(error, errors.CONFIG_INVALID)).toBe(true);
      expect((await idem.claim(scope, 'fp', 'tok2', LEASE, T0)).kind).toBe('in-flight');
    },
  );
});
