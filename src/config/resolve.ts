import path from 'node:path';
import type { z } from 'zod';
import { DEFAULT_ADMIN_HOST, DEFAULT_ADMIN_PORT } from '../admin/server.js';
import { type AnalysisOptions, resolveAnalysis } from '../analysis/options.js';
import { DEFAULT_CANARY_STEPS, parseSteps, type RolloutStep } from '../deploy/steps.js';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import {
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_ROUTER_HOST,
  DEFAULT_ROUTER_PORT,
} from '../router/router.js';
import { storeUrlFromEnv } from '../store/open.js';
import {
  type CanaryTarget,
  type canarySchema,
  DEFAULT_CANARY_CHECK_EVERY_MS,
  DEFAULT_CANARY_INTERVAL_MS,
  DEFAULT_STICKY_COOKIE,
} from './canary-schema.js';
import {
  type Command,
  type ConsistencyCheck,
  configSchema,
  DEFAULT_DEPLOY_TIMEOUT_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_HEALTH_INTERVAL_MS,
  DEFAULT_HEALTH_PATH,
  DEFAULT_HEALTH_TIMEOUT_MS,
  DEFAULT_ROLLBACK_WINDOW_MS,
  DEFAULT_SERVICE_LABEL,
  DEFAULT_STOP_GRACE_MS,
  type SmokeCheck,
} from './schema.js';

/** A validated configuration with every default filled in and paths made absolute. */
export interface ResolvedConfig {
  /** The file it came from, if any. */
  file: string | undefined;
  /** The project directory: the config file's folder; relative paths resolve against it. */
  root: string;
  service: string;
  storeUrl: string;
  /** `<root>/.breakwater`: the admin token file and the default SQLite store. */
  stateDir: string;
  router: { host: string; port: number; requestTimeoutMs: number; bodyLimitBytes: number };
  admin: { host: string; port: number; token: string | undefined };
  app: {
    command: Command | undefined;
    url: string | undefined;
    cwd: string;
    env: Record<string, string>;
    label: string;
    healthPath: string;
  };
  deploy: {
    timeoutMs: number;
    drainTimeoutMs: number;
    rollbackWindowMs: number;
    healthIntervalMs: number;
    healthTimeoutMs: number;
    stopGraceMs: number;
    smoke: SmokeCheck[];
    checks: ConsistencyCheck[];
  };
  canary: ResolvedCanary;
}

/** The `canary` section with its defaults: what `deploy --strategy canary` uses. */
export interface ResolvedCanary {
  steps: RolloutStep[];
  intervalMs: number;
  checkEveryMs: number;
  /** The router's sticky cookie during a rollout; undefined when turned off. */
  sticky: { cookie: string; maxAgeS?: number } | undefined;
  targeting: CanaryTarget[];
  analysis: AnalysisOptions;
}

/** One line naming the field: `app.command: must be ...`. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const where = [...issue.path.map(String), ...keys.slice(0, 1)].join('.') || '(root)';
  return issue.code === 'unrecognized_keys'
    ? `${where}: unknown field`
    : `${where}: ${issue.message}`;
}

/**
 * Validates a loaded configuration and applies the defaults. The router port defaults to
 * `PORT` (else 8080), the store to `BREAKWATER_STORE` (else `sqlite:.breakwater/state.db`
 * under `root`). Throws BW_CONFIG_INVALID naming the file and the field.
 */
export function resolveConfig(
  input: unknown,
  options: { root: string; file?: string; env?: NodeJS.ProcessEnv },
): ResolvedConfig {
  const env = options.env ?? process.env;
  const source = options.file === undefined ? 'config' : path.basename(options.file);
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    throw new BreakwaterError(errors.CONFIG_INVALID, `${source}: ${describeIssue(issue)}`);
  }
  const c = parsed.data;
  const envPort = env.PORT?.trim();
  if (c.router?.port === undefined && envPort && !/^\d{1,5}$/.test(envPort)) {
    throw new BreakwaterError(
      errors.CONFIG_INVALID,
      `PORT must be a port number (got "${envPort}")`,
    );
  }
  const root = path.resolve(options.root);
  return {
    file: options.file,
    root,
    service: c.service,
    storeUrl: c.store ?? storeUrlFromEnv(env),
    stateDir: path.join(root, '.breakwater'),
    router: {
      host: c.router?.host ?? DEFAULT_ROUTER_HOST,
      port: c.router?.port ?? (envPort ? Number(envPort) : DEFAULT_ROUTER_PORT),
      requestTimeoutMs: c.router?.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      bodyLimitBytes: c.router?.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    },
    admin: {
      host: c.admin?.host ?? DEFAULT_ADMIN_HOST,
      port: c.admin?.port ?? DEFAULT_ADMIN_PORT,
      token: c.admin?.token,
    },
    app: {
      command: c.app.command,
      url: c.app.url,
      cwd: path.resolve(root, c.app.cwd ?? '.'),
      env: c.app.env ?? {},
      label: c.app.label ?? DEFAULT_SERVICE_LABEL,
      healthPath: c.app.healthPath ?? DEFAULT_HEALTH_PATH,
    },
    deploy: {
      timeoutMs: c.deploy?.timeoutMs ?? DEFAULT_DEPLOY_TIMEOUT_MS,
      drainTimeoutMs: c.deploy?.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS,
      rollbackWindowMs: c.deploy?.rollbackWindowMs ?? DEFAULT_ROLLBACK_WINDOW_MS,
      healthIntervalMs: c.deploy?.healthIntervalMs ?? DEFAULT_HEALTH_INTERVAL_MS,
      healthTimeoutMs: c.deploy?.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS,
      stopGraceMs: c.deploy?.stopGraceMs ?? DEFAULT_STOP_GRACE_MS,
      smoke: c.deploy?.smoke ?? [],
      checks: c.deploy?.checks ?? [],
    },
    canary: resolveCanary(c.canary, source),
  };
}

function resolveCanary(
  c: z.output<typeof canarySchema> | undefined,
  source: string,
): ResolvedCanary {
  let steps: RolloutStep[];
  try {
    steps = parseSteps(c?.steps ?? DEFAULT_CANARY_STEPS);
  } catch (error) {
    throw new BreakwaterError(
      errors.CONFIG_INVALID,
      `${source}: canary.${(error as Error).message}`,
    );
  }
  const sticky = c?.sticky;
  return {
    steps,
    intervalMs: c?.intervalMs ?? DEFAULT_CANARY_INTERVAL_MS,
    checkEveryMs: c?.checkEveryMs ?? DEFAULT_CANARY_CHECK_EVERY_MS,
    sticky:
      sticky === false
        ? undefined
        : {
            cookie: sticky?.cookie ?? DEFAULT_STICKY_COOKIE,
            ...(sticky?.maxAgeS === undefined ? {} : { maxAgeS: sticky.maxAgeS }),
          },
    targeting: c?.targeting ?? [],
    analysis: resolveAnalysis(c?.analysis),
  };
}
