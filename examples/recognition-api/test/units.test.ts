import { describe, expect, it } from 'vitest';
import { hasCode } from '../../../src/errors/breakwater-error.js';
import { errors } from '../../../src/errors/registry.js';
import { generateApiKey, hashApiKey, presentedKey } from '../src/api-key.js';
import { loadConfig } from '../src/config.js';
import { decodeCursor, encodeCursor } from '../src/cursor.js';
import { newRecognitionId, RECOGNITION_ID_PATTERN } from '../src/recognition.js';

describe('cursor', () => {
  const position = { createdAt: '2025-03-01T12:00:00.002Z', id: 'rec_abcdefghijklmnopqrst' };

  it('round-trips a position through an opaque base64url string', () => {
    const cursor = encodeCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain('rec_');
    expect(decodeCursor(cursor)).toEqual(position);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['no separator', Buffer.from('2025-03-01T12:00:00.002Z').toString('base64url')],
    ['bad date', encodeCursor({ createdAt: '2025-13-45T99:00:00.000Z', id: 'rec_x' })],
    ['date without millis', encodeCursor({ createdAt: '2025-03-01T12:00:00Z', id: 'rec_x' })],
    ['id with spaces', encodeCursor({ createdAt: position.createdAt, id: 'rec x' })],
    ['SQL in the id', encodeCursor({ createdAt: position.createdAt, id: "x' OR 1=1 --" })],
    ['trailing junk', `${encodeCursor(position)}A`],
    ['huge', 'A'.repeat(10_000)],
  ])('refuses a cursor it did not make: %s', (_why, cursor) => {
    expect(decodeCursor(cursor)).toBeUndefined();
  });
});

describe('API keys', () => {
  it('generates distinct prefixed keys and stores only a SHA-256 hex digest', () => {
    const a = generateApiKey();
    expect(a).toMatch(/^rk_[A-Za-z0-9_-]{43}$/);
    expect(generateApiKey()).not.toBe(a);
    expect(hashApiKey('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('reads the key from Authorization: Bearer, else from X-API-Key', () => {
    expect(presentedKey({ authorization: 'Bearer rk_one' })).toBe('rk_one');
    expect(presentedKey({ authorization: 'bearer   rk_one ' })).toBe('rk_one');
    expect(presentedKey({ 'x-api-key': ' rk_two ' })).toBe('rk_two');
    expect(presentedKey({ authorization: 'Bearer rk_one', 'x-api-key': 'rk_two' })).toBe('rk_one');
    expect(presentedKey({ authorization: 'Basic dXNlcjpwYXNz' })).toBeUndefined();
    expect(presentedKey({ authorization: 'Bearer' })).toBeUndefined();
    expect(presentedKey({ authorization: 'Bearer a b' })).toBeUndefined();
    expect(presentedKey({ 'x-api-key': '' })).toBeUndefined();
    expect(presentedKey({})).toBeUndefined();
  });
});

describe('recognition ids', () => {
  it('are rec_ + 20 base32 characters and do not repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, newRecognitionId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(RECOGNITION_ID_PATTERN);
  });
});

describe('config', () => {
  it('defaults to 127.0.0.1:8080 on SQLite under .breakwater/', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      storeUrl: 'sqlite:.breakwater/state.db',
      stateDir: '.breakwater',
      logLevel: 'info',
      hashSecret: undefined,
      demoApiKey: undefined,
    });
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '::1',
      BREAKWATER_STORE: 'postgres://u@db/app',
      BREAKWATER_HASH_SECRET: 's'.repeat(32),
      DEMO_API_KEY: 'rk_demo_0123456789abcdef',
      LOG_LEVEL: 'warn',
      SHUTDOWN_TIMEOUT_MS: '2500',
      BREAKWATER_STATE_DIR: '/tmp/state',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.example/services/T0/B0/x',
      SLACK_BREAKER_OPEN_MS: '500',
      RECOGNITION_RETENTION_DAYS: '30',
    });
    expect(config).toEqual({
      port: 0,
      host: '::1',
      storeUrl: 'postgres://u@db/app',
      hashSecret: 's'.repeat(32),
      demoApiKey: 'rk_demo_0123456789abcdef',
      logLevel: 'warn',
      shutdownTimeoutMs: 2500,
      stateDir: '/tmp/state',
      slackWebhookUrl: 'https://hooks.slack.example/services/T0/B0/x',
      slackBreakerOpenMs: 500,
      retentionDays: 30,
    });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be an integer from 0 to 65535 (got "abc")'],
    [{ PORT: '70000' }, 'PORT must be an integer from 0 to 65535 (got "70000")'],
    [{ PORT: '-1' }, 'PORT must be an integer from 0 to 65535'],
    [{ BREAKWATER_STORE: 'redis://localhost' }, 'BREAKWATER_STORE must be a sqlite:<path> or'],
    [{ DEMO_API_KEY: 'short' }, 'DEMO_API_KEY must be 16-512 characters without spaces'],
    [{ BREAKWATER_HASH_SECRET: 'short' }, 'BREAKWATER_HASH_SECRET must be at least 16'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL '],
    [{ SHUTDOWN_TIMEOUT_MS: '1.5' }, 'SHUTDOWN_TIMEOUT_MS must be a whole number'],
    [{ SLACK_WEBHOOK_URL: 'hooks.slack.com/x' }, 'SLACK_WEBHOOK_URL must be an http:// or'],
    [{ SLACK_BREAKER_OPEN_MS: '0' }, 'SLACK_BREAKER_OPEN_MS must be a whole number'],
    [{ RECOGNITION_RETENTION_DAYS: '0' }, 'RECOGNITION_RETENTION_DAYS must be a whole number'],
  ])('names the variable on bad input: %o', (env, message) => {
    let thrown: unknown;
    try {
      loadConfig(env);
    } catch (error) {
      thrown = error;
    }
    expect(hasCode(thrown, errors.CONFIG_INVALID)).toBe(true);
    expect((thrown as Error).message).toContain(message);
  });

  it('never echoes a secret it refuses', () => {
    expect(() => loadConfig({ DEMO_API_KEY: 'has space x' })).toThrow(/^DEMO_API_KEY [^"]*$/);
    // A webhook URL carries its token: not echoed either.
    expect(() => loadConfig({ SLACK_WEBHOOK_URL: 'ftp://secret-token' })).toThrow(
      /^SLACK_WEBHOOK_URL [^"]*$/,
    );
  });
});
