import type { FastifyInstance } from 'fastify';
import { BreakwaterError } from '../../../../src/errors/breakwater-error.js';
import { errors } from '../../../../src/errors/registry.js';
import { versionedPath } from '../../../../src/http/fastify-versioning.js';
import type { JobQueue } from '../../../../src/jobs/queue.js';
import { EXPORT_JOB, type ExportPayload } from '../jobs/handlers.js';
import { EXPORTS_QUEUE } from '../jobs/start.js';
import { callerOf } from './auth.js';

const jobParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' } },
} as const;

/**
 * `POST /exports` (202, the export runs on the worker) and `GET /jobs/:id` (its state). An
 * organization sees only its own jobs: another's id is a 404, as an unknown one.
 */
export function jobRoutes(queue: JobQueue, options: { exportQuota?: boolean } = {}) {
  return async (app: FastifyInstance): Promise<void> => {
    app.post(
      '/exports',
      options.exportQuota ? { config: { quota: { exports_per_day: 1 } } } : {},
      async (request, reply) => {
        const { orgId } = callerOf(request);
        // One live export per organization: a second request returns the running one.
        const job = await queue.enqueue(EXPORT_JOB, { orgId } satisfies ExportPayload, {
          queue: EXPORTS_QUEUE,
          dedupeKey: `export:${orgId}`,
          maxAttempts: 3,
        });
        const checkStatusAt = versionedPath(request, `/jobs/${job.id}`);
        return reply.code(202).header('location', checkStatusAt).send({
          jobId: job.id,
          checkStatusAt,
        });
      },
    );

    app.get<{ Params: { id: string } }>(
      '/jobs/:id',
      { schema: { params: jobParams } },
      async (request) => {
        const notFound = new BreakwaterError(
          errors.HTTP_NOT_FOUND,
          `no job ${JSON.stringify(request.params.id)}`,
        );
        const job = await queue.show(request.params.id).catch((error: unknown) => {
          throw (error as { status?: number }).status === 404 ? notFound : error;
        });
        if ((job.payload as Partial<ExportPayload> | null)?.orgId !== callerOf(request).orgId) {
          throw notFound;
        }
        return {
          id: job.id,
          name: job.name,
          state: job.state,
          progress: job.progress,
          attempts: job.attempts,
          maxAttempts: job.maxAttempts,
          createdAt: job.createdAt.toISOString(),
          finishedAt: job.finishedAt?.toISOString() ?? null,
          lastError: job.lastError,
          result: job.state === 'completed' ? job.result : null,
        };
      },
    );
  };
}
