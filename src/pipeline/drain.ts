import type { Server } from 'node:http';

/**
 * Stops `server` accepting, closes idle keep-alive connections and lets in-flight requests
 * finish. Resolves true once every connection has closed, or false when `timeoutMs` passed
 * first, after destroying the connections that were left.
 */
export function drainServer(server: Server, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (drained: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(drained);
    };
    const timer = setTimeout(() => {
      server.closeAllConnections();
      settle(false);
    }, timeoutMs);
    // The callback also runs (with ERR_SERVER_NOT_RUNNING) when the server was not listening.
    server.close(() => settle(true));
    server.closeIdleConnections();
  });
}
