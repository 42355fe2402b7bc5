import type { FastifyRequest } from 'fastify';
import { type AdminRoutes, actorOf } from '../admin/server.js';
import { invalid } from './items.js';
import type { Quotas } from './quotas.js';
import type { IncreaseRequest } from './records.js';

const PREFIX = '/admin/v1/quota';

function body(request: FastifyRequest): Record<string, unknown> {
  const value = request.body ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('send a JSON object');
  return value as Record<string, unknown>;
}

function optionalNumber(value: unknown, what: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw invalid(`${what} must be a number`);
  return value;
}

function optionalText(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${what} must be a string`);
  return value;
}

/**
 * The quota admin routes for `createAdminServer({ routes: [quotaAdminRoutes(quotas)] })`:
 * increase requests (list, file, approve, reject), usage with daily history, overrides.
 * Every change is recorded in the audit trail with the caller.
 */
export function quotaAdminRoutes(quotas: Quotas): AdminRoutes {
  return (app, context) => {
    app.get(`${PREFIX}/requests`, async (request) => {
      const query = request.query as { status?: string; organization?: string; limit?: string };
      const limit = Math.min(Math.max(Number(query.limit ?? 100) || 100, 1), 1000);
      return {
        requests: await quotas.listRequests({
          limit,
          ...(query.status ? { status: query.status as IncreaseRequest['status'] } : {}),
          ...(query.organization ? { organization: query.organization } : {}),
        }),
      };
    });

    app.get(`${PREFIX}/requests/:id`, async (request) =>
      quotas.getRequest((request.params as { id: string }).id),
    );

    app.post(`${PREFIX}/requests`, async (request, reply) => {
      const input = body(request);
      const filed = await quotas.requestIncrease({
        organization: input.organization as string,
        quota: input.quota as string,
        limit: input.limit as number,
        reason: input.reason as string,
        actor: actorOf(request),
      });
      await context.audit(request, 'quota.request', filed.id, {
        organization: filed.organization,
        quota: filed.quota,
        limit: filed.requestedLimit,
      });
      return reply.code(201).send(filed);
    });

    for (const verb of ['approve', 'reject'] as const) {
      app.post(`${PREFIX}/requests/:id/${verb}`, async (request) => {
        const input = body(request);
        const id = (request.params as { id: string }).id;
        const limit = optionalNumber(input.limit, 'limit');
        const note = optionalText(input.note, 'note');
        const decision = {
          actor: actorOf(request),
          ...(limit === undefined ? {} : { limit }),
          ...(note === undefined ? {} : { note }),
        };
        const decided =
          verb === 'approve'
            ? await quotas.approve(id, decision)
            : await quotas.reject(id, decision);
        await context.audit(request, `quota.${verb}`, id, {
          organization: decided.organization,
          quota: decided.quota,
          grantedLimit: decided.grantedLimit,
        });
        return decided;
      });
    }

    app.get(`${PREFIX}/usage/:organization`, async (request) => {
      const organization = (request.params as { organization: string }).organization;
      const query = request.query as { user?: string; days?: string };
      const days = Math.min(Math.max(Number(query.days ?? 30) || 30, 1), 400);
      return {
        ...(await quotas.usage({ organization, user: query.user }, request.signal)),
        history: await quotas.history(organization, days),
      };
    });

    app.put(`${PREFIX}/overrides/:organization/:quota`, async (request) => {
      const { organization, quota } = request.params as { organization: string; quota: string };
      const limit = optionalNumber(body(request).limit, 'limit');
      if (limit === undefined) throw invalid('send {"limit": <number>}');
      await quotas.setOverride(organization, quota, limit);
      await context.audit(request, 'quota.override', organization, { quota, limit });
      return { organization, quota, limit };
    });

    app.delete(`${PREFIX}/overrides/:organization/:quota`, async (request, reply) => {
      const { organization, quota } = request.params as { organization: string; quota: string };
      await quotas.setOverride(organization, quota, undefined);
      await context.audit(request, 'quota.override.remove', organization, { quota });
      return reply.code(204).send();
    });
  };
}
