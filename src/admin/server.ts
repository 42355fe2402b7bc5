import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { BreakwaterError, isBreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { replyProblem } from '../http/fastify-problem.js';
import type { AuditLog } from './audit.js';
import { bearerToken, tokenMatches } from './token.js';

export const DEFAULT_ADMIN_HOST = '127.0.0.1';
export const DEFAULT_ADMIN_PORT = 9090;
/** Header a client (the CLI) uses to say who is acting; recorded in the audit trail. */
export const ACTOR_HEADER = 'x-breakwater-actor';
const MAX_ACTOR_LENGTH = 200;

/** What an admin route module receives besides the Fastify instance. */
export interface AdminContext {
  /** Records an admin action with the caller taken from the request. */
  audit(
    request: FastifyRequest,
    action: string,
    target: string | null,
    detail?: Record<string, unknown>,
  ): Promise<void>;
}

/** A capability's admin routes, e.g. quota approvals or breaker overrides. */
export type AdminRoutes = (app: FastifyInstance, context: AdminContext) => void | Promise<void>;

export interface AdminServerOptions {
  /** Required bearer token; compared in constant time. */
  token: string;
  auditLog?: AuditLog;
  routes?: AdminRoutes[];
  /** Largest request body in bytes; default 1 MiB. */
  bodyLimit?: number;
}

export interface AdminServer {
  readonly app: FastifyInstance;
  /** Listens on `host` (default 127.0.0.1) and `port` (default 9090); resolves with the URL. */
  listen(options?: { host?: string; port?: number }): Promise<string>;
  close(): Promise<void>;
}

/** Who is acting: the CLI sends user@host; anything else is recorded as "token". */
export function actorOf(request: FastifyRequest): string {
  const raw = request.headers[ACTOR_HEADER];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.replace(/[^\x20-\x7e]/g, '').trim();
  return value ? value.slice(0, MAX_ACTOR_LENGTH) : 'token';
}

/**
 * The admin API: every route requires `Authorization: Bearer <token>`, errors leave as
 * problem+json, and capability route modules record their actions in the audit trail.
 */
export async function createAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  if (options.token.trim() === '') {
    throw new BreakwaterError(errors.CONFIG_INVALID, 'admin.token must not be empty');
  }
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 1_048_576 });
  const auditLog = options.auditLog;

  app.addHook('onRequest', async (request, reply) => {
    if (!tokenMatches(options.token, bearerToken(request.headers.authorization))) {
      reply.header('www-authenticate', 'Bearer realm="breakwater-admin"');
      return replyProblem(
        reply,
        new BreakwaterError(errors.HTTP_UNAUTHORIZED, 'a valid admin token is required'),
      );
    }
  });
  app.setNotFoundHandler((request, reply) =>
    replyProblem(
      reply,
      new BreakwaterError(
        errors.HTTP_NOT_FOUND,
        `no admin route ${request.method} ${request.url.split('?')[0]}`,
      ),
    ),
  );
  app.setErrorHandler((error, _request, reply) => {
    if (isBreakwaterError(error)) return replyProblem(reply, error);
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return replyProblem(
        reply,
        new BreakwaterError(errors.HTTP_BAD_REQUEST, (error as Error).message),
      );
    }
    return replyProblem(reply, error);
  });

  const context: AdminContext = {
    audit: async (request, action, target, detail = {}) => {
      await auditLog?.record({ actor: actorOf(request), action, target, detail });
    },
  };
  app.get('/admin/v1/audit', async (request) => {
    const query = request.query as { limit?: string; action?: string };
    const limit = Math.min(Math.max(Number(query.limit ?? 100) || 100, 1), 1000);
    return {
      entries: auditLog
        ? await auditLog.list({ limit, ...(query.action ? { action: query.action } : {}) })
        : [],
    };
  });
  for (const routes of options.routes ?? []) await routes(app, context);

  return {
    app,
    listen: async ({ host = DEFAULT_ADMIN_HOST, port = DEFAULT_ADMIN_PORT } = {}) =>
      app.listen({ host, port }),
    close: () => app.close(),
  };
}
