import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { BreakwaterError } from '../../src/errors/breakwater-error.js';
import { errors } from '../../src/errors/registry.js';
import { breakwaterFastify } from '../../src/http/fastify.js';
import { adapterSuite } from './adapter.case.js';
import { capturedPipeline } from './log-capture.js';
import {
  authenticate,
  callDownstream,
  getThing,
  knownError,
  PLAIN_ERROR_MESSAGE,
} from './test-app.js';

adapterSuite('fastify', async ({ pipeline, gate, downstreamUrl }) => {
  const app = Fastify({ logger: false });
  await app.register(breakwaterFastify, { pipeline });
  app.addHook('preHandler', async (request) => {
    authenticate(pipeline, request.headers.authorization);
  });
  app.get<{ Params: { id: string } }>('/things/:id', async (request) =>
    getThing(pipeline, request.params.id),
  );
  app.post<{ Body: { name: string } }>(
    '/things',
    {
      schema: {
        body: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string' } },
        },
      },
    },
    async (request, reply) => reply.code(201).send({ name: request.body.name }),
  );
  app.get('/fail/known', async () => {
    throw knownError();
  });
  app.get('/fail/plain', async () => {
    throw new Error(PLAIN_ERROR_MESSAGE);
  });
  app.get('/slow', async () => {
    await gate.wait();
    return { done: true };
  });
  app.get('/outbound', async () => callDownstream(pipeline, downstreamUrl));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { server: app.server, url, close: () => app.close() };
});

describe('fastify specifics', () => {
  it('works under inject(): the log line is written when inject resolves; prefixes are kept', async () => {
    const { pipeline, logs } = capturedPipeline();
    const app = Fastify({ logger: false });
    await app.register(breakwaterFastify, { pipeline });
    // An auth hook that rejects everything does not guard the probes.
    app.addHook('onRequest', async () => {
      throw new BreakwaterError(errors.HTTP_UNAUTHORIZED, 'No credentials.');
    });
    await app.register(
      async (api) => {
        api.get('/items/:id', async () => ({ ok: true }));
      },
      { prefix: '/api' },
    );
    const denied = await app.inject({ method: 'GET', url: '/api/items/7' });
    expect(denied.statusCode).toBe(401);
    expect(logs.requestLines(String(denied.headers['x-trace-id']))[0]).toMatchObject({
      route: '/api/items/:id',
      status: 401,
      code: 'BW_HTTP_UNAUTHORIZED',
    });
    const live = await app.inject({ method: 'GET', url: '/live' });
    expect(live.statusCode).toBe(200);
    expect(live.headers['content-type']).toMatch(/^application\/health\+json/);
    await app.close();
  });
});
