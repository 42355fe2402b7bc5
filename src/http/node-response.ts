import type { ServerResponse } from 'node:http';
import type { RequestEnd } from '../pipeline/request-log.js';

/** Status logged for a request whose client left before any response header was sent. */
export const CLIENT_CLOSED_STATUS = 499;

export interface NodeResponseOptions {
  /** Called once, right before the status line and headers are written. */
  onHeaders?: () => void;
  /** Called once: on 'finish', or on 'close' when the response never finished (aborted). */
  onDone: (end: RequestEnd) => void;
  /** False for HEAD requests, whose body is never sent. */
  countBody?: boolean;
}

function byteLength(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string') {
    return Buffer.byteLength(
      chunk,
      typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8',
    );
  }
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}

/**
 * Watches a Node response for the adapters that run on node:http (Fastify, Express, Hono's
 * node server): counts body bytes written, runs a hook before the headers go out, and
 * reports the end exactly once, as finished or as aborted (status 499 if nothing was sent).
 */
export function trackNodeResponse(res: ServerResponse, options: NodeResponseOptions): void {
  let bytesOut = 0;
  let ending = false;
  let done = false;
  const count = options.countBody !== false;
  const write = res.write;
  const end = res.end;
  // `end(data)` of some response implementations calls `this.write(data)`: count it once.
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    if (count && !ending) bytesOut += byteLength(chunk, rest[0]);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse['write'];
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    if (count && typeof chunk !== 'function') bytesOut += byteLength(chunk, rest[0]);
    ending = true;
    return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as ServerResponse['end'];
  if (options.onHeaders) {
    const onHeaders = options.onHeaders;
    const writeHead = res.writeHead;
    let called = false;
    res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      if (!called) {
        called = true;
        onHeaders();
      }
      return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['writeHead'];
  }
  const report = (aborted: boolean) => {
    if (done) return;
    done = true;
    const status = aborted && !res.headersSent ? CLIENT_CLOSED_STATUS : res.statusCode;
    options.onDone(aborted ? { status, bytesOut, aborted } : { status, bytesOut });
  };
  res.once('finish', () => report(false));
  res.once('close', () => report(true));
}
