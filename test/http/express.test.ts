import express from 'express';
import { fetch } from 'undici';
import { describe, expect, it } from 'vitest';
import { breakwaterExpress } from '../../src/http/express.js';
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

adapterSuite('express', async ({ pipeline, gate, downstreamUrl }) => {
  const app = express();
  const breakwater = breakwaterExpress(pipeline);
  app.use(breakwater.before);
  app.use(express.json());
  app.use((req, _res, next) => {
    authenticate(pipeline, req.headers.authorization);
    next();
  });
  app.get('/things/:id', async (req, res) => {
    res.json(await getThing(pipeline, req.params.id));
  });
  app.post('/things', (req, res) => {
    res.status(201).json(checkThingBody(req.body));
  });
  app.get('/fail/known', () => {
    throw knownError();
  });
  app.get('/fail/plain', async () => {
    throw new Error(PLAIN_ERROR_MESSAGE);
  });
  app.get('/slow', async (_req, res) => {
    await gate.wait();
    res.json({ done: true });
  });
  app.get('/outbound', async (_req, res) => {
    res.json(await callDownstream(pipeline, downstreamUrl));
  });
  app.use(breakwater.after);
  const server = app.listen(0, '127.0.0.1');
  const url = await listening(server);
  return { server, url, close: () => closeServer(server) };
});

describe('express specifics', () => {
  it('logs the template of a route in a mounted router as baseUrl + path', async () => {
    const { pipeline, logs } = capturedPipeline();
    const app = express();
    const { before, after } = breakwaterExpress(pipeline);
    const router = express.Router();
    router.get('/items/:id', (_req, res) => {
      res.json({ ok: true });
    });
    app.use(before);
    app.use('/api', router);
    app.use(after);
    const server = app.listen(0, '127.0.0.1');
    const url = await listening(server);
    try {
      const res = await fetch(`${url}/api/items/7`);
      await res.text();
      const line = await logs.requestLine(res.headers.get('x-trace-id') ?? '');
      expect(line).toMatchObject({ route: '/api/items/:id', status: 200 });
    } finally {
      await closeServer(server);
    }
  });
});
