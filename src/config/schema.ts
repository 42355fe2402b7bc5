import { z } from 'zod';
import { canarySchema } from './canary-schema.js';

/** Defaults of `breakwater.config.*`, applied in `resolveConfig`. */
export const DEFAULT_SERVICE_LABEL = 'v1';
export const DEFAULT_HEALTH_PATH = '/health';
export const DEFAULT_DEPLOY_TIMEOUT_MS = 30_000;
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;
export const DEFAULT_ROLLBACK_WINDOW_MS = 5 * 60_000;
export const DEFAULT_HEALTH_INTERVAL_MS = 1_000;
export const DEFAULT_HEALTH_TIMEOUT_MS = 5_000;
/** After SIGTERM, how long an instance gets before SIGKILL. */
export const DEFAULT_STOP_GRACE_MS = 10_000;

/** Milliseconds, as every duration in the config file. */
export const ms = z.number().int('must be a whole number of milliseconds').min(0).max(86_400_000);
const port = z.number().int('must be an integer').min(0).max(65_535);
const host = z.string().trim().min(1, 'must not be empty');
const label = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/,
    'must be 1-64 letters, digits, ".", "_", "+" or "-"',
  );

/** A command: a shell string, or an argv array run without a shell. */
export const commandSchema = z.union(
  [z.string().trim().min(1), z.array(z.string().min(1)).min(1)],
  { error: 'must be a non-empty command string or an argv array of strings' },
);

const httpSmoke = z.strictObject({
  method: z
    .string()
    .regex(/^[A-Z]+$/, 'must be an upper-case HTTP method')
    .optional(),
  path: z.string().startsWith('/', 'must start with "/"'),
  expectStatus: z.number().int().min(100).max(599).optional(),
});
const commandSmoke = z.strictObject({ command: commandSchema });

const app = z
  .strictObject({
    command: commandSchema.optional(),
    url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
    cwd: z.string().min(1).optional(),
    env: z.record(z.string(), z.string()).optional(),
    label: label.optional(),
    healthPath: z.string().startsWith('/', 'must start with "/"').optional(),
  })
  .superRefine((value, context) => {
    if ((value.command === undefined) === (value.url === undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['command'],
        message: 'set exactly one of app.command (Breakwater runs it) or app.url (external)',
      });
    }
  });

export const configSchema = z.strictObject({
  service: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be 1-63 letters, digits, ".", "_" or "-"'),
  store: z.string().trim().min(1, 'must not be empty').optional(),
  router: z
    .strictObject({
      host: host.optional(),
      port: port.optional(),
      requestTimeoutMs: ms.min(1).optional(),
      bodyLimitBytes: z.number().int().min(0).optional(),
    })
    .optional(),
  admin: z
    .strictObject({
      host: host.optional(),
      port: port.optional(),
      token: z.string().min(16, 'must be at least 16 characters').optional(),
    })
    .optional(),
  app,
  deploy: z
    .strictObject({
      timeoutMs: ms.min(1).optional(),
      drainTimeoutMs: ms.optional(),
      rollbackWindowMs: ms.optional(),
      healthIntervalMs: ms.min(10).optional(),
      healthTimeoutMs: ms.min(1).optional(),
      stopGraceMs: ms.optional(),
      smoke: z.array(z.union([httpSmoke, commandSmoke])).optional(),
      checks: z
        .array(z.strictObject({ name: z.string().min(1), sql: z.string().trim().min(1) }))
        .optional(),
    })
    .optional(),
  canary: canarySchema.optional(),
});

/** What a `breakwater.config.*` file exports; every field but `service` and `app` optional. */
export type BreakwaterConfig = z.input<typeof configSchema>;
export type Command = z.output<typeof commandSchema>;
export type SmokeCheck = z.output<typeof httpSmoke> | z.output<typeof commandSmoke>;
export interface ConsistencyCheck {
  name: string;
  sql: string;
}
