import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalJson, fingerprint, scopeId } from '../../src/idempotency/fingerprint.js';
import { headerLines, parseIdempotencyKey } from '../../src/idempotency/key-header.js';
import { openStore } from '../../src/store/open.js';
import type { SqlStore } from '../../src/store/types.js';
import { buildOrdersApp, createBusinessTable } from '../fixtures/idempotency/app.js';
import { migrateIdempotency } from '../fixtures/idempotency/migrate.js';
import { cleanupBackends, tempDir } from '../support/backends.js';
import { seeded } from '../support/seeded-random.js';

afterAll(cleanupBackends);

describe('parseIdempotencyKey', () => {
  it.each([
    ['abc', 'abc'],
    ['"abc"', 'abc'],
    ['  "8e03978e-40d5-43e8-bc93-6894a57f9324"\t', '8e03978e-40d5-43e8-bc93-6894a57f9324'],
    ['"a b"', 'a b'],
    ['"a\\"b\\\\c"', 'a"b\\c'],
    ['a"b', 'a"b'],
    ["~!#$%&'()*+-./:;<=>?@[\\]^_`{|}", "~!#$%&'()*+-./:;<=>?@[\\]^_`{|}"],
    ['k'.repeat(255), 'k'.repeat(255)],
    [`"${'\\"'.repeat(255)}"`, '"'.repeat(255)],
  ])('accepts %j as %j', (value, key) => {
    expect(parseIdempotencyKey(value)).toEqual({ kind: 'valid', key });
    expect(parseIdempotencyKey([value])).toEqual({ kind: 'valid', key });
  });

  it.each([
    ['', 'empty'],
    ['""', 'empty'],
    ['k'.repeat(256), 'longer than 255'],
    [`"${'\\"'.repeat(256)}"`, 'longer than 255'],
    ['a b', 'visible ASCII'],
    ['a,b', 'list'],
    ['"a", "b"', 'after the quoted key'],
    ['"a"b', 'after the quoted key'],
    ['"abc', 'no closing quote'],
    ['"a\\nb"', 'backslash'],
    ['"é"', 'printable ASCII'],
    ['\u00e9', 'visible ASCII'],
    ['"a\u0000"', 'printable ASCII'],
  ])('rejects %j (%s)', (value, why) => {
    const result = parseIdempotencyKey(value);
    expect(result.kind).toBe('invalid');
    if (result.kind === 'invalid') expect(result.reason).toContain(why);
  });

  it('treats no line as missing and two lines as invalid', () => {
    expect(parseIdempotencyKey(undefined)).toEqual({ kind: 'missing' });
    expect(parseIdempotencyKey([])).toEqual({ kind: 'missing' });
    expect(parseIdempotencyKey(['a', 'a']).kind).toBe('invalid');
  });

  it('finds every line of a header in rawHeaders, whatever its case', () => {
    const raw = ['Host', 'x', 'Idempotency-Key', 'a', 'IDEMPOTENCY-KEY', 'b'];
    expect(headerLines(raw, 'idempotency-key')).toEqual(['a', 'b']);
  });
});

describe('fingerprint', () => {
  it('sorts object keys recursively and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson(JSON.parse('{"__proto__":{"x":1}}'))).toBe('{"__proto__":{"x":1}}');
  });

  it('changes with method, route, body and API version, not with key order', () => {
    const base = { method: 'POST', route: '/orders', body: { a: 1, b: 2 } };
    const print = fingerprint(base);
    expect(fingerprint({ ...base, body: { b: 2, a: 1 } })).toBe(print);
    expect(fingerprint({ ...base, method: 'PATCH' })).not.toBe(print);
    expect(fingerprint({ ...base, route: '/orders/:id' })).not.toBe(print);
    expect(fingerprint({ ...base, body: { a: 1, b: 3 } })).not.toBe(print);
    expect(fingerprint({ ...base, apiVersion: '2' })).not.toBe(print);
    expect(fingerprint({ ...base, body: Buffer.from('x') })).not.toBe(
      fingerprint({ ...base, body: 'x' }),
    );
    expect(print).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives distinct scope ids even when fields contain separators', () => {
    const a = scopeId({ key: 'b', tenant: 'a:', method: 'POST', route: '/' });
    const b = scopeId({ key: ':b', tenant: 'a', method: 'POST', route: '/' });
    expect(a).not.toBe(b);
  });
});

/** An independent reading of the grammar, to check the parser against on random input. */
function oracle(value: string): string | undefined {
  const v = value.replace(/^[ \t]+|[ \t]+$/g, '');
  const quoted = /^"((?:[\x20\x21\x23-\x5B\x5D-\x7E]|\\["\\])*)"$/.exec(v);
  const key = quoted
    ? quoted[1]?.replace(/\\(["\\])/g, '$1')
    : /^[\x21-\x2B\x2D-\x7E]+$/.test(v) && !v.startsWith('"')
      ? v
      : undefined;
  return key !== undefined && key.length >= 1 && key.length <= 255 ? key : undefined;
}

function randomValue(random: () => number): string {
  const pools = [
    () => String.fromCharCode(0x21 + Math.floor(random() * 94)), // visible ASCII
    () => ' ',
    () => '"',
    () => '\\',
    () => ',',
    () => '\t',
    () => String.fromCharCode(Math.floor(random() * 0x20)), // controls
    () => String.fromCharCode(0x7f + Math.floor(random() * 0x81)), // DEL and latin-1
  ];
  const weights = [70, 5, 6, 5, 3, 2, 2, 2];
  const pick = () => {
    let r = random() * 95;
    for (let i = 0; i < pools.length; i++) {
      r -= weights[i] as number;
      if (r < 0) return (pools[i] as () => string)();
    }
    return 'x';
  };
  const length = random() < 0.1 ? 250 + Math.floor(random() * 12) : Math.floor(random() * 40);
  let value = '';
  for (let i = 0; i < length; i++) value += pick();
  return random() < 0.35 ? `"${value}"` : value;
}

describe('Idempotency-Key fuzzing', () => {
  it('agrees with an independent reading of the grammar on 20,000 random values', () => {
    const random = seeded(20_250_101);
    for (let i = 0; i < 20_000; i++) {
      const value = randomValue(random);
      const parsed = parseIdempotencyKey([value]);
      const expected = oracle(value);
      expect(parsed.kind === 'valid' ? parsed.key : undefined, JSON.stringify(value)).toBe(
        expected,
      );
    }
  });

  it('answers 400 or runs, never 500, for 3,000 random headers through the server', async () => {
    const store = openStore(`sqlite:${path.join(tempDir(), 'fuzz.db')}`) as SqlStore;
    await migrateIdempotency(store);
    await createBusinessTable(store);
    const { app } = await buildOrdersApp({ store, business: store });
    const random = seeded(7);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 3_000; i++) {
      const value = randomValue(random);
      const response = await app.inject({
        method: 'POST',
        url: '/notes',
        payload: { i },
        headers: { 'idempotency-key': value },
      });
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      const valid = oracle(value) !== undefined;
      // a valid key either runs (200) or hits an earlier identical key with another body (422)
      expect([valid ? 200 : 400, valid ? 422 : 400], JSON.stringify(value)).toContain(
        response.statusCode,
      );
      if (!valid) expect(response.json().code).toBe('BW_IDEMPOTENCY_KEY_INVALID');
    }
    expect(statuses.get(400)).toBeGreaterThan(100);
    expect(statuses.get(200)).toBeGreaterThan(100);
    await app.close();
    await store.close();
  });
});
