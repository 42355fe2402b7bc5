import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/http/client.js';
import { createPipeline } from '../../src/pipeline/index.js';
import { closeServer, listening } from './test-app.js';

let server: Server;
let url: string;
const seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    res.end('ok');
  }).listen(0, '127.0.0.1');
  url = await listening(server);
});
afterAll(() => closeServer(server));

const pipeline = createPipeline({
  service: 'client-test',
  hashSecret: 'k',
  logLevel: 'silent',
  defaultMetrics: false,
});

describe('outgoing HTTP client', () => {
  it('pipeline.fetch sends the current span as parent, inside a span too', async () => {
    const scope = pipeline.http.begin({ method: 'GET' });
    const { traceId, spanId } = scope.context;
    let inner = '';
    await scope.run(async () => {
      await (await pipeline.fetch(url)).text();
      await pipeline.withSpan('call', async (span) => {
        inner = span.spanId;
        await (await pipeline.fetch(url, { headers: { 'x-other': '1' } })).text();
      });
    });
    const [first, second] = seen.slice(-2);
    expect(first?.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    expect(second?.traceparent).toBe(`00-${traceId}-${inner}-01`);
    expect(second?.['x-other']).toBe('1');
  });

  it('undici request() forwards it as well, keeping the caller headers', async () => {
    const client = createHttpClient(pipeline);
    const scope = pipeline.http.begin({
      method: 'GET',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00',
    });
    await scope.run(async () => {
      await (await client.request(url, { headers: { 'x-caller': 'yes' } })).body.text();
      await (await client.request(url, { headers: ['x-caller', 'array'] })).body.text();
    });
    const [object, array] = seen.slice(-2);
    const expected = `00-4bf92f3577b34da6a3ce929d0e0e4736-${scope.context.spanId}-00`;
    expect(object).toMatchObject({ traceparent: expected, 'x-caller': 'yes' });
    expect(array).toMatchObject({ traceparent: expected, 'x-caller': 'array' });
  });

  it('keeps a traceparent the caller set, and sends none outside a request', async () => {
    const mine = '00-11111111111111111111111111111111-2222222222222222-01';
    const scope = pipeline.http.begin({ method: 'GET' });
    await scope.run(async () => {
      await (await pipeline.fetch(url, { headers: { traceparent: mine } })).text();
    });
    expect(seen.at(-1)?.traceparent).toBe(mine);
    await (await pipeline.fetch(url)).text();
    expect(seen.at(-1)?.traceparent).toBeUndefined();
  });
});
