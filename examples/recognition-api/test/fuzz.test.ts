import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cleanupBackends } from '../../../test/support/backends.js';
import { seeded } from '../../../test/support/seeded-random.js';
import { bearer, testApp } from './app-fixture.js';

afterAll(cleanupBackends);

let app: FastifyInstance;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ app, close } = await testApp());
});
afterAll(() => close?.());

const SEED = Number(process.env.FUZZ_SEED ?? 20250301);
const random = seeded(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;

const STRINGS = [
  '',
  ' ',
  'usr_grace',
  'usr_hank',
  'rec_',
  'x'.repeat(2001),
  'x'.repeat(70),
  '\u0000',
  '💥'.repeat(600),
  "'; DROP TABLE recognitions; --",
  '%00',
  '../../etc/passwd',
  '__proto__',
  'null',
  '-1',
  '1e309',
  '<script>',
];

function value(depth = 0): unknown {
  switch (int(depth > 2 ? 6 : 9)) {
    case 0:
      return pick(STRINGS);
    case 1:
      return int(2) === 0 ? int(1e6) - 5e5 : random() * 1e12;
    case 2:
      return int(2) === 0;
    case 3:
      return null;
    case 4:
      return Array.from({ length: int(4) }, () => pick(STRINGS));
    case 5:
      return String.fromCharCode(...Array.from({ length: int(40) }, () => int(0xd800)));
    case 6:
      return Array.from({ length: int(15) }, () => value(depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: int(6) }, () => [
          pick(['to', 'from', 'message', 'badges', 'extra', '__proto__', 'constructor']),
          value(depth + 1),
        ]),
      );
  }
}

function body(): { payload: string; contentType: string } {
  const kind = int(10);
  if (kind === 0)
    return { payload: JSON.stringify(value()).slice(0, int(50)), contentType: 'application/json' };
  if (kind === 1)
    return {
      payload: 'to=usr_grace&message=hi',
      contentType: pick([
        'application/x-www-form-urlencoded',
        'text/plain',
        'application/octet-stream',
      ]),
    };
  const base: Record<string, unknown> = { to: 'usr_grace', message: 'fuzz' };
  const fields = value();
  const merged =
    typeof fields === 'object' && fields !== null && !Array.isArray(fields) && int(2) === 0
      ? { ...base, ...fields }
      : fields;
  return { payload: JSON.stringify(merged) ?? 'null', contentType: 'application/json' };
}

function query(): string {
  const parts = Array.from({ length: int(4) }, () => {
    const key = pick(['to', 'limit', 'cursor', 'cursor', 'limit', 'other', 'limit[]']);
    const raw = pick([
      String(int(300) - 100),
      pick(STRINGS),
      Buffer.from(pick(STRINGS)).toString('base64url'),
      Buffer.from(`2025-03-01T12:00:00.000Z|${pick(STRINGS)}`).toString('base64url'),
      Buffer.from('9999-99-99T99:99:99.999Z|rec_x').toString('base64url'),
    ]);
    return `${key}=${encodeURIComponent(raw)}`;
  });
  return parts.join('&');
}

it(`answers a few hundred random requests without a single 5xx (seed ${SEED})`, async () => {
  const statuses = new Map<number, number>();
  for (let i = 0; i < 400; i++) {
    const headers: Record<string, string> =
      int(10) === 0
        ? { authorization: pick(['Bearer', 'Bearer  ', `Bearer ${pick(STRINGS)}`, 'x']) }
        : bearer();
    const kind = int(3);
    const request =
      kind === 0
        ? { method: 'POST' as const, url: '/v1/recognitions', ...bodyRequest(headers) }
        : kind === 1
          ? { method: 'GET' as const, url: `/v1/recognitions?${query()}`, headers }
          : {
              method: 'GET' as const,
              url: `/v1/recognitions/${encodeURIComponent(pick(STRINGS) || 'x')}`,
              headers,
            };
    const response = await app.inject(request);
    statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    if (response.statusCode >= 500) {
      throw new Error(
        `${request.method} ${request.url} -> ${response.statusCode}: ${response.body}`,
      );
    }
    if (response.statusCode >= 400) {
      expect(response.headers['content-type'], `${request.method} ${request.url}`).toMatch(
        /^application\/problem\+json/,
      );
    }
  }
  // The fuzzer must reach both sides: some requests pass, most are refused.
  expect(statuses.get(400) ?? 0).toBeGreaterThan(50);
  expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
});

function bodyRequest(headers: Record<string, string>) {
  const { payload, contentType } = body();
  return { payload, headers: { ...headers, 'content-type': contentType } };
}
