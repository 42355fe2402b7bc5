import type { Socket } from 'node:net';
import { Pool } from 'undici';
import { RequestSamples } from '../analysis/samples.js';

export const DEFAULT_UPSTREAM_CONNECTIONS = 256;
/** Idle keep-alive sockets are closed after this unless the upstream's hint is shorter. */
export const DEFAULT_UPSTREAM_KEEP_ALIVE_MS = 4_000;

export interface UpstreamOptions {
  /** Most sockets kept to this upstream; default 256. */
  connections?: number;
  /** How long the upstream may take to send response headers (the request timeout). */
  headersTimeoutMs: number;
}

/**
 * One upstream (a running release): a keep-alive pool of sockets, a count of requests in
 * flight and the upgraded (WebSocket) sockets, so it can be drained before its process stops,
 * and what the router measured of the requests it served, for canary analysis.
 */
export class Upstream {
  readonly pool: Pool;
  /** One sample per finished proxied request (not tunnels, not client aborts). */
  readonly samples = new RequestSamples();
  inFlight = 0;
  /** Requests routed here since it was added: canary analysis reads the share each version was offered. */
  started = 0;
  draining = false;
  private readonly tunnels = new Set<Socket>();
  private idleWaiters: Array<() => void> = [];

  constructor(
    readonly key: string,
    readonly origin: string,
    options: UpstreamOptions,
  ) {
    this.pool = new Pool(origin, {
      connections: options.connections ?? DEFAULT_UPSTREAM_CONNECTIONS,
      pipelining: 1,
      keepAliveTimeout: DEFAULT_UPSTREAM_KEEP_ALIVE_MS,
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: 0, // SSE and long downloads may idle; the client's socket bounds them
    });
  }

  /** Counts a request in; call `done()` exactly once when it ends either way. */
  begin(): void {
    this.inFlight++;
    this.started++;
  }

  done(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.tunnels.size === 0) this.wakeIdle();
  }

  /** Tracks an upgraded socket pair's upstream end until it closes. */
  track(socket: Socket): void {
    this.tunnels.add(socket);
    socket.once('close', () => {
      this.tunnels.delete(socket);
      if (this.inFlight === 0 && this.tunnels.size === 0) this.wakeIdle();
    });
  }

  get tunnelCount(): number {
    return this.tunnels.size;
  }

  /**
   * Drains: waits until no request is in flight and no tunnel is open, or `timeoutMs`
   * passes, then closes the pool (idle keep-alive sockets included) and cuts what is left.
   * Resolves with how many requests and tunnels were cut.
   */
  async drain(timeoutMs: number): Promise<{ cut: number }> {
    this.draining = true;
    if (this.inFlight > 0 || this.tunnels.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref();
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const cut = this.inFlight + this.tunnels.size;
    for (const socket of this.tunnels) socket.destroy();
    await this.pool.destroy().catch(() => {});
    return { cut };
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
