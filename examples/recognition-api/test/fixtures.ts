import { openStore } from '../../../src/store/open.js';
import type { SqlStore } from '../../../src/store/types.js';
import { hashApiKey } from '../src/api-key.js';
import type { Caller } from '../src/recognition.js';
import { openRepository, type RecognitionRepository } from '../src/repository/index.js';
import { migrateSchema } from '../src/schema.js';
import { DEMO_USERS, seedDemo } from '../src/seed.js';

export const ACME_KEY = 'rk_test_acme_0123456789abcdef';
export const GLOBEX_KEY = 'rk_test_globex_0123456789abcdef';
export const ACME: Caller = { orgId: 'org_acme', userId: 'usr_ada' };
export const GLOBEX: Caller = { orgId: 'org_globex', userId: 'usr_hank' };
export const ACME_USERS = DEMO_USERS.map((u) => u.id);

/** Opens a store URL, migrates it and seeds two organizations: Acme (demo) and Globex. */
export async function seededStore(url: string): Promise<{
  store: SqlStore;
  repo: RecognitionRepository;
}> {
  const store = openStore(url);
  if (store.kind === 'redis') throw new Error('the recognition API needs a SQL store');
  await migrateSchema(store);
  const repo = openRepository(store);
  await seedDemo(repo, ACME_KEY);
  const createdAt = new Date().toISOString();
  await repo.addOrganization({ id: GLOBEX.orgId, name: 'Globex', createdAt });
  for (const [id, name] of [
    ['usr_hank', 'Hank Scorpio'],
    ['usr_homer', 'Homer Simpson'],
  ] as const) {
    await repo.addUser({ id, orgId: GLOBEX.orgId, name, email: `${id}@globex.example` });
  }
  await repo.addApiKey({
    keyHash: hashApiKey(GLOBEX_KEY),
    ...GLOBEX,
    label: 'test',
    createdAt,
  });
  return { store, repo };
}

/** A clock that starts at `start` and moves 1 ms every `callsPerMs` calls, so values repeat. */
export function repeatingClock(start = Date.parse('2025-03-01T12:00:00.000Z'), callsPerMs = 4) {
  let calls = 0;
  return () => new Date(start + Math.floor(calls++ / callsPerMs));
}

/** Rows of a read-only query on either backend; `?` placeholders (turned into `$n` on PostgreSQL). */
export async function query<R extends object>(
  store: SqlStore,
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  if (store.kind === 'sqlite') return store.db.prepare(text).all(...params) as R[];
  let n = 0;
  const { rows } = await store.pool.query(
    text.replace(/\?/g, () => `$${++n}`),
    params,
  );
  return rows as R[];
}

/** How many recognitions carry this message, straight from the table. */
export async function countByMessage(store: SqlStore, message: string): Promise<number> {
  const [row] = await query<{ n: number | string }>(
    store,
    'SELECT count(*) AS n FROM recognitions WHERE message = ?',
    [message],
  );
  return Number(row?.n ?? 0);
}
