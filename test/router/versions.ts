import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real node:http upstream for router tests that counts what it served. */
export interface Version {
  readonly label: string;
  readonly url: string;
  /** Requests that reached it, by path (without the query). */
  readonly hits: Map<string, number>;
  total(): number;
  close(): Promise<void>;
}

/**
 * Starts a version on loopback. Every answer says its label (body and `x-label`). Paths:
 * `/fail` answers 500; `/slow?ms=N` answers after N ms; `/cookies` sets two cookies of its
 * own; `/reset` destroys the socket before answering; anything else answers 200.
 */
export async function startVersion(label: string): Promise<Version> {
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    const answer = (status: number, headers: http.OutgoingHttpHeaders = {}) => {
      res.writeHead(status, { 'content-type': 'text/plain', 'x-label': label, ...headers });
      res.end(label);
    };
    switch (url.pathname) {
      case '/fail':
        return answer(500);
      case '/slow':
        return setTimeout(() => answer(200), Number(url.searchParams.get('ms') ?? 100));
      case '/cookies':
        return answer(200, { 'set-cookie': ['app=1', 'theme=dark; Path=/'] });
      case '/reset':
        return req.socket.destroy();
      default:
        return answer(200);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    label,
    url: `http://127.0.0.1:${port}`,
    hits,
    total: () => [...hits.values()].reduce((a, b) => a + b, 0),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Answer {
  status: number;
  label: string | undefined;
  setCookie: string[];
}

/** One GET through `agent` (keep-alive), with optional headers. */
export function get(
  agent: http.Agent,
  base: string,
  path: string,
  headers: http.OutgoingHttpHeaders = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          label: res.headers['x-label'] as string | undefined,
          setCookie: res.headers['set-cookie'] ?? [],
        }),
      );
    });
    req.on('error', reject);
  });
}

/** Runs `count` tasks, `concurrency` at a time. */
export async function inParallel(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
