import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupBackends, describeBackends } from '../../../test/support/backends.js';
import { hashApiKey } from '../src/api-key.js';
import type { Recognition } from '../src/recognition.js';
import type { RecognitionRepository } from '../src/repository/index.js';
import { ACME, ACME_KEY, GLOBEX, GLOBEX_KEY, seededStore } from './fixtures.js';

afterAll(cleanupBackends);

function recognition(overrides: Partial<Recognition> & { id: string }): Recognition {
  return {
    orgId: ACME.orgId,
    fromUserId: 'usr_ada',
    fromName: 'Ada Lovelace',
    toUserId: 'usr_grace',
    message: 'Thanks!',
    badges: [],
    createdAt: '2025-03-01T12:00:00.000Z',
    ...overrides,
  };
}

describeBackends('recognition repository', ['sqlite', 'postgres'], (backend) => {
  let repo: RecognitionRepository;
  let seeded: Awaited<ReturnType<typeof seededStore>>;
  let close: () => Promise<void>;

  beforeAll(async () => {
    seeded = await seededStore(await backend.url());
    repo = seeded.repo;
    close = () => seeded.store.close();
  });
  afterAll(() => close?.());

  it('creates a recognition and gets it back, field for field', async () => {
    const created = recognition({
      id: 'rec_roundtrip',
      message: 'Merci ✨ for the “launch” — 100%',
      badges: ['teamwork', 'ünïcode'],
    });
    await repo.create(created);
    expect(await repo.get(ACME.orgId, 'rec_roundtrip')).toEqual(created);
  });

  it('never returns another organization’s recognition, nor an unknown id', async () => {
    await repo.create(recognition({ id: 'rec_acme_only' }));
    expect(await repo.get(GLOBEX.orgId, 'rec_acme_only')).toBeUndefined();
    expect(await repo.get(ACME.orgId, 'rec_missing')).toBeUndefined();
  });

  describe('list', () => {
    const org = 'org_listing';
    beforeAll(async () => {
      await repo.addOrganization({
        id: org,
        name: 'Listing',
        createdAt: '2025-01-01T00:00:00.000Z',
      });
      for (const id of ['usr_l1', 'usr_l2']) {
        await repo.addUser({ id, orgId: org, name: id, email: `${id}@listing.example` });
      }
      // Two share a timestamp: id breaks the tie.
      const rows: Array<[string, string, string]> = [
        ['rec_a', 'usr_l1', '2025-03-01T12:00:00.001Z'],
        ['rec_b', 'usr_l2', '2025-03-01T12:00:00.002Z'],
        ['rec_c', 'usr_l1', '2025-03-01T12:00:00.002Z'],
        ['rec_d', 'usr_l1', '2025-03-01T12:00:00.003Z'],
      ];
      for (const [id, to, createdAt] of rows) {
        await repo.create(
          recognition({
            id,
            orgId: org,
            fromUserId: 'usr_l2',
            fromName: 'usr_l2',
            toUserId: to,
            createdAt,
          }),
        );
      }
    });

    it('orders newest first by (createdAt, id), limited, with the sender’s name', async () => {
      const all = await repo.list(org, { limit: 10 });
      expect(all.map((r) => r.id)).toEqual(['rec_d', 'rec_c', 'rec_b', 'rec_a']);
      expect(all.every((r) => r.fromName === 'usr_l2')).toBe(true);
      expect((await repo.list(org, { limit: 2 })).map((r) => r.id)).toEqual(['rec_d', 'rec_c']);
    });

    it('continues strictly after a cursor, including inside a timestamp tie', async () => {
      const cursor = { createdAt: '2025-03-01T12:00:00.002Z', id: 'rec_c' };
      expect((await repo.list(org, { limit: 10, cursor })).map((r) => r.id)).toEqual([
        'rec_b',
        'rec_a',
      ]);
    });

    it('filters by recipient, with and without a cursor', async () => {
      expect((await repo.list(org, { to: 'usr_l1', limit: 10 })).map((r) => r.id)).toEqual([
        'rec_d',
        'rec_c',
        'rec_a',
      ]);
      const cursor = { createdAt: '2025-03-01T12:00:00.003Z', id: 'rec_d' };
      expect((await repo.list(org, { to: 'usr_l1', limit: 1, cursor })).map((r) => r.id)).toEqual([
        'rec_c',
      ]);
    });

    it('sees only its own organization', async () => {
      const other = await repo.list(GLOBEX.orgId, { limit: 100 });
      expect(other.every((r) => r.orgId === GLOBEX.orgId)).toBe(true);
      expect(other.map((r) => r.id)).not.toContain('rec_a');
    });
  });

  it('finds an API key by its hash only', async () => {
    expect(await repo.findApiKey(hashApiKey(ACME_KEY))).toEqual(ACME);
    expect(await repo.findApiKey(hashApiKey(GLOBEX_KEY))).toEqual(GLOBEX);
    expect(await repo.findApiKey(ACME_KEY)).toBeUndefined();
    expect(await repo.findApiKey(hashApiKey('rk_unknown'))).toBeUndefined();
  });

  it('finds a user only in their own organization, with the name', async () => {
    expect(await repo.findUser(ACME.orgId, 'usr_grace')).toEqual({
      id: 'usr_grace',
      name: 'Grace Hopper',
    });
    expect(await repo.findUser(ACME.orgId, 'usr_hank')).toBeUndefined();
    expect(await repo.findUser(GLOBEX.orgId, 'usr_hank')).toEqual({
      id: 'usr_hank',
      name: 'Hank Scorpio',
    });
    expect(await repo.findUser(ACME.orgId, 'usr_nobody')).toBeUndefined();
  });

  it('inserts inside a transaction the caller opened: committed or rolled back with it', async () => {
    const store = seeded.store;
    const kept = recognition({ id: 'rec_tx_kept' });
    const dropped = recognition({ id: 'rec_tx_dropped' });
    const boom = new Error('rolled back');
    if (store.kind === 'sqlite') {
      store.transaction((db) => repo.createWithin(db, kept));
      expect(() =>
        store.transaction((db) => {
          repo.createWithin(db, dropped);
          throw boom;
        }),
      ).toThrow(boom);
    } else {
      await store.transaction((client) => Promise.resolve(repo.createWithin(client, kept)));
      await expect(
        store.transaction(async (client) => {
          await repo.createWithin(client, dropped);
          throw boom;
        }),
      ).rejects.toThrow(boom);
    }
    expect(await repo.get(ACME.orgId, 'rec_tx_kept')).toEqual(kept);
    expect(await repo.get(ACME.orgId, 'rec_tx_dropped')).toBeUndefined();
  });

  it('seeds idempotently: adding what exists changes nothing', async () => {
    const createdAt = '2030-01-01T00:00:00.000Z';
    await repo.addOrganization({ id: ACME.orgId, name: 'Renamed', createdAt });
    await repo.addUser({ id: 'usr_ada', orgId: GLOBEX.orgId, name: 'x', email: 'x@y' });
    await repo.addApiKey({ keyHash: hashApiKey(ACME_KEY), ...GLOBEX, label: 'x', createdAt });
    expect(await repo.findApiKey(hashApiKey(ACME_KEY))).toEqual(ACME);
    expect((await repo.findUser(ACME.orgId, 'usr_ada'))?.name).toBe('Ada Lovelace');
    expect(await repo.findUser(GLOBEX.orgId, 'usr_ada')).toBeUndefined();
  });
});
