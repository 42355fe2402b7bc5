import { z } from 'zod';
import { BreakwaterError } from '../../../src/errors/breakwater-error.js';
import { errors } from '../../../src/errors/registry.js';
import { storeUrlFromEnv } from '../../../src/store/open.js';
import { DEFAULT_RETENTION_DAYS } from './jobs/handlers.js';

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_LOG_LEVEL = 'info';
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
/** Where the service keeps its SQLite file, demo key and hash secret, relative to the cwd. */
export const DEFAULT_STATE_DIR = '.breakwater';

/** The service's settings, read once from the environment at start-up. */
export interface Config {
  port: number;
  host: string;
  /** Store URL: `sqlite:<path>` (default `.breakwater/state.db`) or `postgres://...`. */
  storeUrl: string;
  /** Secret for hashing identities in logs; undefined means "generate and persist one". */
  hashSecret: string | undefined;
  /** The demo API key to seed; undefined means "generate and persist one". */
  demoApiKey: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  shutdownTimeoutMs: number;
  stateDir: string;
  /** Where recognitions are announced (a Slack incoming webhook); none: a local sink. */
  slackWebhookUrl: string | undefined;
  /** How long the Slack breaker stays open; undefined: the `slack` preset's 30 s. */
  slackBreakerOpenMs: number | undefined;
  /** The daily cleanup deletes recognitions older than this many days; default 90. */
  retentionDays: number;
}

const port = (fallback: number) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,5}$/, 'must be an integer from 0 to 65535')
    .transform(Number)
    .refine((n) => n <= 65_535, 'must be an integer from 0 to 65535')
    .optional()
    .transform((n) => n ?? fallback);

const schema = z.object({
  PORT: port(DEFAULT_PORT),
  HOST: z.string().trim().min(1, 'must not be empty').optional(),
  BREAKWATER_STORE: z
    .string()
    .trim()
    .refine((url) => url === '' || /^(sqlite:|postgres(ql)?:\/\/)/i.test(url), {
      message: 'must be a sqlite:<path> or postgres:// URL',
    })
    .optional(),
  BREAKWATER_HASH_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  DEMO_API_KEY: z
    .string()
    .regex(/^\S{16,512}$/, 'must be 16-512 characters without spaces')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  SHUTDOWN_TIMEOUT_MS: z
    .string()
    .regex(/^\d{1,7}$/, 'must be a whole number of milliseconds')
    .transform(Number)
    .optional(),
  BREAKWATER_STATE_DIR: z.string().trim().min(1, 'must not be empty').optional(),
  SLACK_WEBHOOK_URL: z
    .string()
    .trim()
    .regex(/^https?:\/\/[^\s/]+/i, 'must be an http:// or https:// URL')
    .optional(),
  RECOGNITION_RETENTION_DAYS: z
    .string()
    .regex(/^[1-9]\d{0,4}$/, 'must be a whole number of days, at least 1')
    .transform(Number)
    .optional(),
  SLACK_BREAKER_OPEN_MS: z
    .string()
    .regex(/^[1-9]\d{0,7}$/, 'must be a whole number of milliseconds, at least 1')
    .transform(Number)
    .optional(),
});

/**
 * Reads the configuration from the environment. A bad value throws BW_CONFIG_INVALID whose
 * message names the variable, what it must be and what it was, e.g. `PORT must be an
 * integer from 0 to 65535 (got "abc")`.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(
    Object.keys(schema.shape).flatMap((key) => (env[key] === undefined ? [] : [[key, env[key]]])),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    // Secrets, keys and webhook URLs (which carry a token) are never echoed.
    const secret = ['SECRET', 'KEY', 'WEBHOOK'].some((part) => name.includes(part));
    const shown = secret ? '' : ` (got "${env[name]}")`;
    throw new BreakwaterError(errors.CONFIG_INVALID, `${name} ${issue?.message}${shown}`);
  }
  const v = parsed.data;
  return {
    port: v.PORT,
    host: v.HOST ?? DEFAULT_HOST,
    storeUrl: storeUrlFromEnv({ BREAKWATER_STORE: v.BREAKWATER_STORE }),
    hashSecret: v.BREAKWATER_HASH_SECRET,
    demoApiKey: v.DEMO_API_KEY,
    logLevel: v.LOG_LEVEL ?? DEFAULT_LOG_LEVEL,
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
    stateDir: v.BREAKWATER_STATE_DIR ?? DEFAULT_STATE_DIR,
    slackWebhookUrl: v.SLACK_WEBHOOK_URL,
    slackBreakerOpenMs: v.SLACK_BREAKER_OPEN_MS,
    retentionDays: v.RECOGNITION_RETENTION_DAYS ?? DEFAULT_RETENTION_DAYS,
  };
}
