import pg from 'pg';

export interface Listener {
  /** Resolves once the first LISTEN succeeded (or failed; the listener keeps retrying). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export interface ListenerOptions {
  connectionString: string;
  channel: string;
  /** Called on every notification, and after each reconnect (something may have been missed). */
  onNotify: () => void;
  onError: (error: unknown) => void;
  /** Reconnect delays grow from this, doubling up to `maxDelayMs`; default 100 ms. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * LISTEN on a dedicated connection (not from the pool: a pooled client would be handed to
 * others). When the connection drops it reconnects with backoff and wakes the worker, which
 * then polls, so a notification lost while disconnected only costs latency.
 */
export function startListener(options: ListenerOptions): Listener {
  const minDelay = options.minDelayMs ?? 100;
  const maxDelay = options.maxDelayMs ?? 5_000;
  let client: pg.Client | undefined;
  let closed = false;
  let delay = minDelay;
  let retry: NodeJS.Timeout | undefined;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  const connect = async (): Promise<void> => {
    if (closed) return;
    const next = new pg.Client({
      connectionString: options.connectionString,
      application_name: 'breakwater-jobs-listen',
    });
    client = next;
    next.on('notification', () => options.onNotify());
    next.on('error', (error) => {
      options.onError(error);
      scheduleReconnect(next);
    });
    next.on('end', () => scheduleReconnect(next));
    try {
      await next.connect();
      await next.query(`LISTEN "${options.channel.replaceAll('"', '""')}"`);
      delay = minDelay;
      markReady();
      options.onNotify();
    } catch (error) {
      options.onError(error);
      markReady();
      scheduleReconnect(next);
    }
  };

  const scheduleReconnect = (failed: pg.Client): void => {
    if (closed || client !== failed || retry) return;
    client = undefined;
    failed.removeAllListeners('notification');
    void failed.end().catch(() => {});
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, delay);
    retry.unref();
    delay = Math.min(delay * 2, maxDelay);
  };

  void connect();
  return {
    ready,
    close: async () => {
      closed = true;
      clearTimeout(retry);
      const current = client;
      client = undefined;
      await current?.end().catch(() => {});
    },
  };
}
