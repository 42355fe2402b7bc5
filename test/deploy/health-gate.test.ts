import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { waitHealthy } from '../../src/deploy/health-gate.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A health endpoint that answers its first `answers` probes `200 fail`, then never answers. */
async function failThenHang(answers: number): Promise<string> {
  let seen = 0;
  const server = http.createServer((_req, res) => {
    seen++;
    if (seen > answers) return; // hangs: the probe times out
    res.writeHead(200, { 'content-type': 'application/health+json' });
    res.end('{"status":"fail"}');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
}

const wait = (url: string, deadlineMs: number) =>
  waitHealthy({
    url,
    intervalMs: 20,
    timeoutMs: 5_000,
    deadline: Date.now() + deadlineMs,
    signal: new AbortController().signal,
  });

it('names the last answer when the last probe got none', async () => {
  const reason = await wait(await failThenHang(2), 400);
  expect(reason).toBe(
    'not healthy within the deploy timeout (last probe: timeout; last answer: 200 fail)',
  );
});

it('names only the last probe when it was an answer', async () => {
  const reason = await wait(await failThenHang(Number.POSITIVE_INFINITY), 200);
  expect(reason).toBe('not healthy within the deploy timeout (last probe: 200 fail)');
});

it('names only the last probe when the app never answered', async () => {
  const url = await failThenHang(0);
  expect(await wait(url, 200)).toBe('not healthy within the deploy timeout (last probe: timeout)');
});
