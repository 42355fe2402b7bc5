import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setCookieValue } from './cookies.js';
import { type ProxyTarget, type ProxyTargets, proxyRequest } from './proxy-request.js';
import { proxyUpgrade } from './proxy-upgrade.js';
import { chooseRoute, EMPTY_TABLE, type RouteTable } from './routing.js';
import { Upstream } from './upstream.js';

export const DEFAULT_ROUTER_HOST = '127.0.0.1';
export const DEFAULT_ROUTER_PORT = 8080;
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
export const DEFAULT_BODY_LIMIT_BYTES = 10 * 1024 * 1024;
/** Longer than clients' usual idle timeouts, so the client, not us, closes idle sockets. */
export const DEFAULT_CLIENT_KEEP_ALIVE_MS = 65_000;

export interface RouterOptions {
  /** How long an upstream may take to send response headers before a 504; default 60 s. */
  requestTimeoutMs?: number;
  /** Largest request body in bytes before a 413; default 10 MiB. */
  bodyLimitBytes?: number;
  /** Idle keep-alive timeout of client connections; default 65 s. */
  keepAliveTimeoutMs?: number;
  /** Source of randomness for weighted routes; default Math.random. */
  random?: () => number;
}

/** The reverse proxy: one port, a swappable route table, and a set of drainable upstreams. */
export interface Router {
  readonly server: http.Server;
  /** The table new requests are routed by; replaced atomically by `setTable`. */
  readonly table: RouteTable;
  setTable(table: RouteTable): void;
  /** Registers (or returns the existing) upstream for a release key. */
  addUpstream(key: string, origin: string): Upstream;
  upstream(key: string): Upstream | undefined;
  /** Stops routing to nothing new for `key` (it must be out of the table), drains, forgets it. */
  drainUpstream(key: string, timeoutMs: number): Promise<{ cut: number }>;
  listen(options: { host?: string; port?: number }): Promise<string>;
  /** Stops accepting, lets in-flight requests finish within `timeoutMs`, closes everything. */
  close(timeoutMs?: number): Promise<void>;
}

export function createRouter(options: RouterOptions = {}): Router {
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const random = options.random ?? Math.random;
  const upstreams = new Map<string, Upstream>();
  let table: RouteTable = EMPTY_TABLE;

  // the target without a cookie of the upstream picked last, kept to spare an allocation
  let plain: ProxyTarget | undefined;
  const targets: ProxyTargets = {
    bodyLimitBytes: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    pick: (req: IncomingMessage) => {
      const choice = chooseRoute(table, req, table.routes.length > 1 ? random() : 0);
      if (choice === undefined) return undefined;
      const upstream = upstreams.get(choice.route.upstream);
      if (upstream === undefined) return undefined;
      const sticky = choice.assign ? table.sticky : undefined;
      if (sticky !== undefined)
        return { upstream, setCookie: setCookieValue(sticky.cookie, upstream.key, sticky.maxAgeS) };
      if (plain?.upstream !== upstream) plain = { upstream, setCookie: undefined };
      return plain;
    },
  };
  const server = http.createServer(
    { keepAliveTimeout: options.keepAliveTimeoutMs ?? DEFAULT_CLIENT_KEEP_ALIVE_MS },
    (req, res) => proxyRequest(req, res, targets),
  );
  server.headersTimeout = Math.max(server.keepAliveTimeout + 1_000, 60_000);
  server.on('upgrade', (req, socket, head) => proxyUpgrade(req, socket, head, targets));
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  const router: Router = {
    server,
    get table() {
      return table;
    },
    setTable: (next) => {
      table = next;
    },
    addUpstream: (key, origin) => {
      let upstream = upstreams.get(key);
      if (upstream === undefined || upstream.origin !== origin) {
        upstream = new Upstream(key, origin, { headersTimeoutMs: requestTimeoutMs });
        upstreams.set(key, upstream);
      }
      return upstream;
    },
    upstream: (key) => upstreams.get(key),
    drainUpstream: async (key, timeoutMs) => {
      const upstream = upstreams.get(key);
      if (upstream === undefined) return { cut: 0 };
      const result = await upstream.drain(timeoutMs);
      if (upstreams.get(key) === upstream) upstreams.delete(key);
      if (plain?.upstream === upstream) plain = undefined;
      return result;
    },
    listen: ({ host = DEFAULT_ROUTER_HOST, port = DEFAULT_ROUTER_PORT }) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shown}:${address.port}`);
        });
      }),
    close: async (timeoutMs = 10_000) => {
      table = EMPTY_TABLE;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.all([...upstreams.values()].map((u) => u.drain(timeoutMs)));
      upstreams.clear();
      server.closeAllConnections();
      await closed;
    },
  };
  return router;
}
