import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BreakwaterError } from '../../../../src/errors/breakwater-error.js';
import { errors } from '../../../../src/errors/registry.js';
import type { RequestIdempotency } from '../../../../src/http/fastify-idempotency.js';
import { quotaUsageHandler } from '../../../../src/http/fastify-quota.js';
import { versionedPath } from '../../../../src/http/fastify-versioning.js';
import { RECOGNITION_CREATE_QUOTAS } from '../../../../src/quota/defaults.js';
import type { Quotas } from '../../../../src/quota/quotas.js';
import { type Recognition, toView } from '../recognition.js';
import type { RecognitionRepository } from '../repository/index.js';
import type { ListInput, RecognitionInput, RecognitionService } from '../service.js';
import { authenticate, callerOf, type IdentitySink } from './auth.js';
import { createBody, idParams, listQuery, page, recognitionView } from './schemas.js';

export interface RecognitionRoutesOptions {
  repo: RecognitionRepository;
  service: RecognitionService;
  /** Tells the pipeline who the caller is; a no-op without one. */
  setIdentity?: IdentitySink;
  /**
   * Quotas: `POST /recognitions` consumes `RECOGNITION_CREATE_QUOTAS` (fastify-quota must be
   * registered), and `GET /quota` shows the caller's usage. None: neither.
   */
  quotas?: Quotas | undefined;
  /** Told about every committed recognition, after the response is decided (notifications). */
  onCreated?: (recognition: Recognition) => void;
  /** More routes behind the same auth hook (quota usage, exports). */
  extra?: (app: FastifyInstance) => Promise<void> | void;
}

/**
 * The recognition API as an encapsulated Fastify plugin: its auth hook covers these routes
 * only, so health and metrics stay open. Handlers are written once, for the newest version
 * (v2); the app's `rewriteUrl` strips `/v1` or `/v2`, and the versioning plugin converts
 * requests and responses for v1 callers.
 */
export async function recognitionRoutes(
  app: FastifyInstance,
  options: RecognitionRoutesOptions,
): Promise<void> {
  const { service, repo } = options;
  app.addHook('onRequest', authenticate(repo, options.setIdentity ?? (() => {})));

  app.post<{ Body: RecognitionInput }>(
    '/recognitions',
    {
      schema: { body: createBody, response: { 201: recognitionView } },
      config: {
        idempotency: true,
        ...(options.quotas ? { quota: RECOGNITION_CREATE_QUOTAS } : {}),
      },
    },
    async (request, reply) => {
      // The async checks first: SQLite's transaction below must run synchronously.
      const recognition = await service.compose(callerOf(request), request.body);
      const answer = {
        status: 201,
        headers: { location: versionedPath(request, `/recognitions/${recognition.id}`) },
        body: toView(recognition),
      };
      // The row and the completed idempotency key commit together (or not at all); the
      // response (201, or a 409 when the key's lease was lost) is sent by then.
      const outcome = await idempotencyOf(request).transaction((tx: unknown) => {
        const inserted = repo.createWithin(tx, recognition);
        return inserted instanceof Promise ? inserted.then(() => answer) : answer;
      });
      if (outcome.committed) options.onCreated?.(recognition);
      return reply;
    },
  );

  app.get<{ Params: { id: string } }>(
    '/recognitions/:id',
    { schema: { params: idParams, response: { 200: recognitionView } } },
    async (request) => toView(await service.get(callerOf(request), request.params.id)),
  );

  app.get<{ Querystring: ListInput }>(
    '/recognitions',
    { schema: { querystring: listQuery, response: { 200: page } } },
    async (request) => {
      const result = await service.list(callerOf(request), request.query);
      return { data: result.data.map(toView), nextCursor: result.nextCursor };
    },
  );

  if (options.quotas) {
    app.get(
      '/quota',
      quotaUsageHandler(options.quotas, {
        key: (request) => callerOf(request).orgId,
        user: (request) => callerOf(request).userId,
      }),
    );
  }

  await options.extra?.(app);
}

/** The idempotency glue's view; every route with `config.idempotency` has one. */
function idempotencyOf(request: FastifyRequest): RequestIdempotency {
  if (request.idempotency === undefined) {
    throw new BreakwaterError(errors.CONFIG_INVALID, 'the idempotency plugin is not registered');
  }
  return request.idempotency;
}
