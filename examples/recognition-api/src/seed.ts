import { hashApiKey } from './api-key.js';
import type { User } from './recognition.js';
import type { RecognitionRepository } from './repository/index.js';

export const DEMO_ORG = { id: 'org_acme', name: 'Acme' } as const;

/** The demo organization's people; the demo API key belongs to the first. */
export const DEMO_USERS: readonly User[] = [
  { id: 'usr_ada', orgId: DEMO_ORG.id, name: 'Ada Lovelace', email: 'ada@acme.example' },
  { id: 'usr_grace', orgId: DEMO_ORG.id, name: 'Grace Hopper', email: 'grace@acme.example' },
  {
    id: 'usr_katherine',
    orgId: DEMO_ORG.id,
    name: 'Katherine Johnson',
    email: 'katherine@acme.example',
  },
  { id: 'usr_alan', orgId: DEMO_ORG.id, name: 'Alan Turing', email: 'alan@acme.example' },
];

/**
 * Seeds the demo organization "Acme", its users and an API key for the first user. Idempotent:
 * safe on every start-up. Only the key's hash is stored.
 */
export async function seedDemo(
  repo: RecognitionRepository,
  apiKey: string,
  now: () => Date = () => new Date(),
): Promise<{ orgId: string; userId: string }> {
  const createdAt = now().toISOString();
  const owner = DEMO_USERS[0] as User;
  await repo.addOrganization({ ...DEMO_ORG, createdAt });
  for (const user of DEMO_USERS) await repo.addUser(user);
  await repo.addApiKey({
    keyHash: hashApiKey(apiKey),
    orgId: DEMO_ORG.id,
    userId: owner.id,
    label: 'demo',
    createdAt,
  });
  return { orgId: DEMO_ORG.id, userId: owner.id };
}
