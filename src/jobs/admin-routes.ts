import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AdminRoutes } from '../admin/server.js';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { JOB_STATES } from './job.js';
import type { JobQueueBase } from './queue.js';

const PREFIX = '/admin/v1/jobs';
const id = z.string().regex(/^\d{1,18}$/, 'a job id is a whole number');
const name = z.string().min(1).max(200);
const listQuery = z.object({
  state: z.enum(JOB_STATES as [string, ...string[]]).optional(),
  queue: name.optional(),
  name: name.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  before: id.optional(),
});
const redriveBody = z
  .object({
    ids: z.array(id).max(10_000).optional(),
    queue: name.optional(),
    name: name.optional(),
    all: z.boolean().optional(),
  })
  .strict();
const purgeBody = redriveBody
  .extend({
    state: z.enum(['dead_letter', 'completed', 'cancelled']).optional(),
    olderThanMs: z.number().int().min(0).optional(),
  })
  .strict();

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  throw new BreakwaterError(
    errors.HTTP_VALIDATION,
    `${what}: ${where}${issue?.message ?? 'invalid'}`,
  );
}

const params = (request: FastifyRequest) => parse(z.object({ id }), request.params, 'job id').id;

/**
 * The jobs admin API under /admin/v1/jobs, for `createAdminServer({ routes: [...] })`: list,
 * show, retry, cancel, dead letters, redrive and purge. Every change is audited.
 */
export function jobsAdminRoutes(queue: JobQueueBase): AdminRoutes {
  return (app, context) => {
    app.get(PREFIX, async (request) => {
      const q = parse(listQuery, request.query, 'query');
      const jobs = await queue.list({
        ...(q.state ? { state: q.state as (typeof JOB_STATES)[number] } : {}),
        ...(q.queue ? { queue: q.queue } : {}),
        ...(q.name ? { name: q.name } : {}),
        ...(q.before ? { beforeId: q.before } : {}),
        ...(q.limit ? { limit: q.limit } : {}),
      });
      return { jobs };
    });
    app.get(`${PREFIX}/counts`, async () => ({ counts: await queue.counts() }));
    app.get(`${PREFIX}/dlq`, async (request) => {
      const q = parse(listQuery.omit({ state: true }), request.query, 'query');
      const jobs = await queue.deadLetters({
        ...(q.queue ? { queue: q.queue } : {}),
        ...(q.name ? { name: q.name } : {}),
        ...(q.before ? { beforeId: q.before } : {}),
        ...(q.limit ? { limit: q.limit } : {}),
      });
      return { jobs };
    });
    app.get(`${PREFIX}/:id`, async (request) => ({ job: await queue.show(params(request)) }));
    app.post(`${PREFIX}/:id/retry`, async (request) => {
      const job = await queue.retry(params(request));
      await context.audit(request, 'jobs.retry', job.id, { name: job.name, queue: job.queue });
      return { job };
    });
    app.post(`${PREFIX}/:id/cancel`, async (request) => {
      const job = await queue.cancel(params(request));
      await context.audit(request, 'jobs.cancel', job.id, { name: job.name, queue: job.queue });
      return { job };
    });
    app.post(`${PREFIX}/redrive`, async (request) => {
      const filter = parse(redriveBody, request.body, 'body');
      const redriven = await queue.redrive(filter);
      await context.audit(request, 'jobs.redrive', null, { ...filter, redriven });
      return { redriven };
    });
    app.post(`${PREFIX}/purge`, async (request) => {
      const filter = parse(purgeBody, request.body, 'body');
      const purged = await queue.purge(filter);
      await context.audit(request, 'jobs.purge', null, { ...filter, purged });
      return { purged };
    });
  };
}
