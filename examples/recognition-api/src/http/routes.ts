import type { FastifyInstance } from 'fastify';
import { toView } from '../recognition.js';
import type { RecognitionRepository } from '../repository/index.js';
import type { ListInput, RecognitionInput, RecognitionService } from '../service.js';
import { authenticate, callerOf, type IdentitySink } from './auth.js';
import { createBody, idParams, listQuery, page, recognitionView } from './schemas.js';

export interface RecognitionRoutesOptions {
  repo: RecognitionRepository;
  service: RecognitionService;
  /** Tells the pipeline who the caller is; a no-op without one. */
  setIdentity?: IdentitySink;
}

/**
 * The `/v1` API as an encapsulated Fastify plugin: its auth hook covers these routes only,
 * so health and metrics routes registered elsewhere stay open.
 */
export async function recognitionRoutes(
  app: FastifyInstance,
  options: RecognitionRoutesOptions,
): Promise<void> {
  const { service } = options;
  app.addHook('onRequest', authenticate(options.repo, options.setIdentity ?? (() => {})));

  app.post<{ Body: RecognitionInput }>(
    '/v1/recognitions',
    { schema: { body: createBody, response: { 201: recognitionView } } },
    async (request, reply) => {
      const created = await service.create(callerOf(request), request.body);
      reply.code(201).header('location', `/v1/recognitions/${created.id}`);
      return toView(created);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/recognitions/:id',
    { schema: { params: idParams, response: { 200: recognitionView } } },
    async (request) => toView(await service.get(callerOf(request), request.params.id)),
  );

  app.get<{ Querystring: ListInput }>(
    '/v1/recognitions',
    { schema: { querystring: listQuery, response: { 200: page } } },
    async (request) => {
      const result = await service.list(callerOf(request), request.query);
      return { data: result.data.map(toView), nextCursor: result.nextCursor };
    },
  );
}
