import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { breakwaterFastify } from '../../../src/http/fastify.js';
import { versionRewriteUrl } from '../../../src/http/fastify-versioning.js';
import { normalizeFrameworkError } from '../../../src/http/framework-error.js';
import type { JobQueue } from '../../../src/jobs/queue.js';
import type { Pipeline } from '../../../src/pipeline/index.js';
import type { SqlStore } from '../../../src/store/types.js';
import { type CapabilityOptions, registerCapabilities } from './http/capabilities.js';
import { jobRoutes } from './http/job-routes.js';
import { recognitionRoutes } from './http/routes.js';
import type { RecognitionNotifications } from './notify/slack.js';
import { openRepository, type RecognitionRepository } from './repository/index.js';
import { recognitionService, type ServiceOptions } from './service.js';

/** Request bodies are small JSON documents; anything bigger is refused with a 413. */
export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;

export interface BuildAppOptions extends ServiceOptions {
  store: SqlStore;
  pipeline: Pipeline;
  /** Default: the repository for `store`, its queries wrapped in the pipeline's spans. */
  repo?: RecognitionRepository;
  bodyLimit?: number;
  /** Quotas for `POST /recognitions` (and `GET /quota`); none: not governed. */
  quotas?: CapabilityOptions['quotas'];
  versioning?: CapabilityOptions['versioning'];
  /** Told about every new recognition (Slack, with the outbox as fallback). */
  notifications?: RecognitionNotifications | undefined;
  /** The job queue: `POST /exports` and `GET /jobs/:id`; none: no such routes. */
  jobs?: JobQueue | undefined;
}

/**
 * The recognition API as a Fastify instance, not listening: Breakwater's pipeline (health,
 * metrics, tracing, request logs, problem+json errors), idempotency, quotas and API versions
 * around the authenticated routes, served at `/v1/...` and `/v2/...`. Tests drive it with
 * `inject()`; `main.ts` listens.
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { pipeline, notifications } = options;
  const repo =
    options.repo ?? openRepository(options.store, (name, fn) => pipeline.withSpan(name, fn));
  const app = Fastify({
    logger: false, // the pipeline writes one line per request
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT_BYTES,
    // Requests already on an open connection while shutting down are still served (the
    // pipeline answers them with `Connection: close`); it decides when to stop accepting.
    return503OnClosing: false,
    // `/v1/x` and `/v2/x` reach the one route `/x`; the versioning plugin reads the version.
    rewriteUrl: versionRewriteUrl,
    // A malformed or over-long URL fails in Fastify's router, before any hook or error
    // handler: answer it as a problem too (400), never as Fastify's own JSON.
    frameworkErrors: (error, request, reply) => {
      const answer = pipeline.http.problem(normalizeFrameworkError(error), {
        path: request.originalUrl,
      });
      // The option's generic reply type cannot take a plain status; it is an ordinary reply.
      const plain = reply as unknown as FastifyReply;
      void plain.code(answer.status).headers(answer.headers).send(answer.body);
    },
  });
  await app.register(breakwaterFastify, { pipeline });
  await registerCapabilities(app, {
    store: options.store,
    pipeline,
    quotas: options.quotas,
    versioning: options.versioning,
  });
  await app.register(recognitionRoutes, {
    repo,
    service: recognitionService(repo, options),
    setIdentity: (identity) => pipeline.setIdentity(identity),
    quotas: options.quotas,
    ...(notifications ? { onCreated: (created) => notifications.notify(created) } : {}),
    ...(options.jobs
      ? { extra: jobRoutes(options.jobs, { exportQuota: options.quotas !== undefined }) }
      : {}),
  });
  // Notifications still in flight are sent (or queued) before the store closes.
  if (notifications) app.addHook('onClose', () => notifications.drain());
  return app;
}
