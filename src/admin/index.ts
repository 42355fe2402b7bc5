export {
  type AuditEntry,
  type AuditLog,
  createAuditLog,
  DEFAULT_AUDIT_LIST_LIMIT,
} from './audit.js';
export {
  ACTOR_HEADER,
  type AdminContext,
  type AdminRoutes,
  type AdminServer,
  type AdminServerOptions,
  actorOf,
  createAdminServer,
  DEFAULT_ADMIN_HOST,
  DEFAULT_ADMIN_PORT,
} from './server.js';
export { bearerToken, resolveAdminToken, tokenMatches } from './token.js';
