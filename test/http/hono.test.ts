import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { validator } from 'hono/validator';
import { describe, expect, it } from 'vitest';
import { installBreakwaterHono } from '../../src/http/hono.js';
import { adapterSuite } from './adapter.case.js';
import { capturedPipeline } from './log-capture.js';
import {
  authenticate,
  callDownstream,
  checkThingBody,
  closeServer,
  getThing,
  knownError,
  listening,
  PLAIN_ERROR_MESSAGE,
} from './test-app.js';

adapterSuite('hono', async ({ pipeline, gate, downstreamUrl }) => {
  const app = installBreakwaterHono(new Hono(), pipeline);
  app.use('*', async (c, next) => {
    authenticate(pipeline, c.req.header('authorization'));
    await next();
  });
  app.get('/things/:id', async (c) => c.json(await getThing(pipeline, c.req.param('id'))));
  app.post('/things', async (c) => c.json(checkThingBody(await c.req.json()), 201));
  app.get('/fail/known', () => {
    throw knownError();
  });
  app.get('/fail/plain', () => {
    throw new Error(PLAIN_ERROR_MESSAGE);
  });
  app.get('/slow', async (c) => {
    await gate.wait();
    return c.json({ done: true });
  });
  app.get('/outbound', async (c) => c.json(await callDownstream(pipeline, downstreamUrl)));
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }) as Server;
  const url = await listening(server);
  return { server, url, close: () => closeServer(server) };
});

describe('hono specifics', () => {
  const make = () => capturedPipeline();

  it('maps HTTPException to a problem keeping status, message and headers', async () => {
    const { pipeline } = make();
    const app = installBreakwaterHono(new Hono(), pipeline);
    app.get('/private', () => {
      throw new HTTPException(401, {
        message: 'Log in first.',
        res: new Response('x', { headers: { 'WWW-Authenticate': 'Bearer realm="api"' } }),
      });
    });
    app.post(
      '/validated',
      validator('json', (value) => value),
      (c) => c.json({ ok: true }),
    );
    const res = await app.request('/private');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(await res.json()).toMatchObject({
      code: 'BW_HTTP_UNAUTHORIZED',
      detail: 'Log in first.',
    });
    const malformed = await app.request('/validated', {
      method: 'POST',
      body: '{oops',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: 'BW_HTTP_BAD_REQUEST' });
  });

  it('without a Node server logs when the handler returns; sub-app routes keep their prefix', async () => {
    const { pipeline, logs } = make();
    const app = installBreakwaterHono(new Hono(), pipeline);
    const api = new Hono();
    api.get('/items/:id', (c) => c.text('seven'));
    app.route('/api', api);
    const res = await app.request('/api/items/7');
    expect(await res.text()).toBe('seven');
    expect(logs.requestLines(res.headers.get('x-trace-id') ?? '')[0]).toMatchObject({
      route: '/api/items/:id',
      status: 200,
      bytesOut: 5,
    });
  });
});
