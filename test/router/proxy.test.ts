import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/deploy/free-port.js';
import { createRouter, type Router } from '../../src/router/router.js';
import { singleRoute } from '../../src/router/routing.js';
import { APP } from '../deploy/support.js';

let app: ChildProcess;
let appUrl: string;
let router: Router;
let url: string;

beforeAll(async () => {
  app = spawn(process.execPath, [APP, '--label', 'px'], {
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  appUrl = await new Promise<string>((resolve) => {
    let text = '';
    app.stdout?.on('data', (chunk) => {
      text += chunk;
      const match = /listening on (http:\S+)/.exec(text);
      if (match) resolve(match[1] as string);
    });
  });
  router = createRouter({ requestTimeoutMs: 1_000, bodyLimitBytes: 64 * 1024 });
  url = await router.listen({ port: 0 });
  router.addUpstream('px', appUrl);
  router.setTable(singleRoute('px'));
});

afterAll(async () => {
  await router.close(1_000);
  app.kill('SIGTERM');
});

/** A raw request on its own connection, for headers fetch would not send. */
function raw(path: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>(
    (resolve, reject) => {
      const req = http.request(
        `${url}${path}`,
        { method: body === undefined ? 'GET' : 'POST', headers, agent: false },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    },
  );
}

describe('HTTP proxying', () => {
  it('forwards X-Forwarded-*, continues traceparent and strips hop-by-hop headers', async () => {
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await raw('/headers', {
      host: 'api.example.test',
      connection: 'keep-alive, x-secret-hop',
      'x-secret-hop': 'drop me',
      'keep-alive': 'timeout=5',
      te: 'trailers',
      'proxy-authorization': 'Basic abc',
      'x-forwarded-for': '203.0.113.9',
      'x-kept': 'yes',
      traceparent: parent,
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-app-label']).toBe('px');
    const seen = (JSON.parse(res.body) as { headers: Record<string, string> }).headers;
    expect(seen['x-kept']).toBe('yes');
    expect(seen.host).toBe('api.example.test');
    expect(seen['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe('api.example.test');
    for (const hop of ['x-secret-hop', 'keep-alive', 'te', 'proxy-authorization'])
      expect(seen[hop]).toBeUndefined();
    expect(seen.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(seen.traceparent).not.toBe(parent);

    const fresh = await raw('/headers', { traceparent: 'garbage' });
    const started = (JSON.parse(fresh.body) as { headers: Record<string, string> }).headers
      .traceparent;
    expect(started).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('streams request and response bodies both ways, with and without Content-Length', async () => {
    const body = 'x'.repeat(60_000);
    const sized = await fetch(`${url}/echo`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain' },
    });
    expect(await sized.text()).toBe(body);
    const chunked = await raw(
      '/echo',
      { 'transfer-encoding': 'chunked', 'content-type': 'text/plain' },
      body,
    );
    expect(chunked.body).toBe(body);
  });

  it('refuses bodies over the limit with 413 problem+json', async () => {
    const big = 'y'.repeat(70_000);
    const sized = await fetch(`${url}/echo`, { method: 'POST', body: big });
    expect(sized.status).toBe(413);
    expect(sized.headers.get('content-type')).toBe('application/problem+json');
    expect(await sized.json()).toMatchObject({ code: 'BW_HTTP_PAYLOAD_TOO_LARGE' });
    const chunked = await raw('/echo', { 'transfer-encoding': 'chunked' }, big);
    expect(chunked.status).toBe(413);
  });

  it('passes server-sent events through as they come', async () => {
    const response = await fetch(`${url}/sse`);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(await response.text()).toBe('data: px 1\n\ndata: px 2\n\ndata: px 3\n\n');
  });

  it('passes a WebSocket upgrade through (raw handshake) and pipes bytes both ways', async () => {
    const { port } = new URL(url);
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.write(
      'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      text += chunk;
      if (text.includes('hello px\n') && !text.includes('PING')) socket.write('ping');
    });
    await new Promise<void>((resolve, reject) => {
      socket.on('data', () => {
        if (text.includes('PING')) resolve();
      });
      socket.on('error', reject);
    });
    socket.destroy();
    expect(text).toMatch(/^HTTP\/1.1 101 Switching Protocols\r\n/);
    expect(text).toMatch(/X-App-Label: px/);
    expect(text).toMatch(/X-Seen-Forwarded-For: 127.0.0.1/);
  });

  it('answers 504 problem+json when the app is slower than the request timeout', async () => {
    const response = await fetch(`${url}/slow?ms=3000`);
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({
      code: 'BW_ROUTER_UPSTREAM_TIMEOUT',
      status: 504,
    });
  });
});

describe('no upstream up', () => {
  it('answers 503 with no route, 502 when the app is down, for requests and upgrades', async () => {
    const bare = createRouter();
    const bareUrl = await bare.listen({ port: 0 });
    try {
      const none = await fetch(`${bareUrl}/`);
      expect(none.status).toBe(503);
      expect(none.headers.get('content-type')).toBe('application/problem+json');
      expect(await none.json()).toMatchObject({
        code: 'BW_ROUTER_NO_UPSTREAM',
        status: 503,
        instance: '/',
      });

      bare.addUpstream('gone', `http://127.0.0.1:${await freePort()}`);
      bare.setTable(singleRoute('gone'));
      const down = await fetch(`${bareUrl}/x`);
      expect(down.status).toBe(502);
      expect(await down.json()).toMatchObject({ code: 'BW_ROUTER_UPSTREAM_FAILED' });

      const { port } = new URL(bareUrl);
      const socket = net.connect(Number(port), '127.0.0.1');
      socket.write(
        'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
      );
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk) => {
        text += chunk;
      });
      await new Promise((resolve) => socket.on('close', resolve));
      expect(text).toMatch(/^HTTP\/1.1 502 Upstream failed\r\n/);
      expect(text).toMatch(/application\/problem\+json/);
    } finally {
      await bare.close(100);
    }
  });
});

describe('retry', () => {
  it('retries a GET once when the upstream resets the socket, never a POST', async () => {
    const seen: string[] = [];
    const flaky = http.createServer((req, res) => {
      seen.push(req.method ?? '');
      if (seen.length % 2 === 1)
        req.socket.destroy(); // every other request: a reset
      else res.end(`ok ${req.method}`);
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    const port = (flaky.address() as net.AddressInfo).port;
    const proxy = createRouter();
    const proxyUrl = await proxy.listen({ port: 0 });
    proxy.addUpstream('flaky', `http://127.0.0.1:${port}`);
    proxy.setTable(singleRoute('flaky'));
    try {
      const get = await fetch(`${proxyUrl}/a`);
      expect(get.status).toBe(200);
      expect(await get.text()).toBe('ok GET');
      expect(seen).toEqual(['GET', 'GET']);

      const post = await fetch(`${proxyUrl}/b`, { method: 'POST', body: 'x' });
      expect(post.status).toBe(502);
      expect(await post.json()).toMatchObject({ code: 'BW_ROUTER_UPSTREAM_FAILED' });
      expect(seen).toEqual(['GET', 'GET', 'POST']);
    } finally {
      await proxy.close(100);
      flaky.close();
    }
  });
});
