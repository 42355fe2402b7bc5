import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local stand-in for Slack's incoming webhook: it takes JSON posts and keeps them. */
export interface WebhookSink {
  /** `http://127.0.0.1:<port>/hooks/local`. */
  readonly url: string;
  /** Bodies received, oldest first. */
  readonly received: unknown[];
  /** Stops listening (connections refused) until `start()`. */
  stop(): Promise<void>;
  /** Listens again on the same port (nothing when it is listening). */
  start(): Promise<void>;
}

/**
 * Starts a webhook sink on 127.0.0.1 (`port` 0: a free one). `npm start` runs one when no
 * SLACK_WEBHOOK_URL is configured, so notifications have somewhere to go.
 */
export async function startWebhookSink(
  port = 0,
  onPost: (body: unknown) => void = () => {},
): Promise<WebhookSink> {
  const received: unknown[] = [];
  let server: Server | undefined;
  let boundPort = port;
  const listen = async () => {
    if (server) return; // already listening
    const next = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          response.writeHead(400).end('invalid_payload');
          return;
        }
        received.push(body);
        onPost(body);
        response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(boundPort, '127.0.0.1', () => resolve());
    });
    next.unref();
    boundPort = (next.address() as AddressInfo).port;
    server = next;
  };
  await listen();
  return {
    url: `http://127.0.0.1:${boundPort}/hooks/local`,
    received,
    start: listen,
    stop: async () => {
      const current = server;
      server = undefined;
      if (!current) return;
      current.closeAllConnections();
      await new Promise<void>((resolve) => current.close(() => resolve()));
    },
  };
}
