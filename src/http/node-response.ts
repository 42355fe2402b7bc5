import type { ServerResponse } from 'node:http';
import type { RequestEnd } from '../pipeline/request-log.js';

/** Status logged for a request whose client left before any response header was sent. */
export const CLIENT_CLOSED_STATUS = 499;

export interface NodeResponseOptions {
  /**
   * Called once, right before the status line and headers are written, with the response and
   * the headers object passed to `writeHead` if any (adding to it is cheaper than setHeader).
   */
  onHeaders?: (res: ServerResponse, headers: Record<string, unknown> | undefined) => void;
  /** Called once: on 'finish', or on 'close' when the response never finished (aborted). */
  onDone: (end: RequestEnd, res: ServerResponse) => void;
  /** False for HEAD requests, whose body is never sent. */
  countBody?: boolean;
}

type Method = (...args: unknown[]) => unknown;

/** What is tracked about one response, kept on the response under a symbol. */
interface Tracking {
  readonly options: NodeResponseOptions;
  /** Trackers added to an already tracked response (two adapters on one response). */
  more?: NodeResponseOptions[];
  readonly count: boolean;
  readonly write: Method;
  readonly end: Method;
  writeHead: Method | undefined;
  bytesOut: number;
  ending: boolean;
  headersCalled: boolean;
  done: boolean;
}

const TRACKING = Symbol('breakwater.nodeResponse');
type Tracked = ServerResponse & { [TRACKING]: Tracking };

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

// Shared replacements for write/end/writeHead and shared listeners: the per-response state
// lives on the response, so tracking a response allocates no closures.
function countingWrite(this: Tracked, chunk: unknown, ...rest: unknown[]): unknown {
  const t = this[TRACKING];
  // `end(data)` of some response implementations calls `this.write(data)`: count it once.
  if (t.count && !t.ending) t.bytesOut += byteLength(chunk, rest[0]);
  return t.write.call(this, chunk, ...rest);
}

function countingEnd(this: Tracked, chunk?: unknown, ...rest: unknown[]): unknown {
  const t = this[TRACKING];
  if (t.count && typeof chunk !== 'function') t.bytesOut += byteLength(chunk, rest[0]);
  t.ending = true;
  return t.end.call(this, chunk, ...rest);
}

function hookedWriteHead(this: Tracked, ...args: unknown[]): unknown {
  const t = this[TRACKING];
  if (!t.headersCalled) {
    t.headersCalled = true;
    // writeHead(status, [message], [headers]): a plain headers object, not a raw array.
    const last = args[args.length - 1];
    const headers =
      args.length > 1 && typeof last === 'object' && last !== null && !Array.isArray(last)
        ? (last as Record<string, unknown>)
        : undefined;
    t.options.onHeaders?.(this, headers);
    if (t.more) for (const more of t.more) more.onHeaders?.(this, headers);
  }
  return (t.writeHead as Method).apply(this, args);
}

function report(res: Tracked, aborted: boolean): void {
  const t = res[TRACKING];
  if (t.done) return;
  t.done = true;
  const status = aborted && !res.headersSent ? CLIENT_CLOSED_STATUS : res.statusCode;
  const end = aborted
    ? { status, bytesOut: t.bytesOut, aborted }
    : { status, bytesOut: t.bytesOut };
  t.options.onDone(end, res);
  if (t.more) for (const more of t.more) more.onDone(end, res);
}

function onFinish(this: Tracked): void {
  report(this, false);
}

function onClose(this: Tracked): void {
  report(this, true);
}

/**
 * Watches a Node response for the adapters that run on node:http (Fastify, Express, Hono's
 * node server): counts body bytes written, runs a hook before the headers go out, and
 * reports the end exactly once, as finished or as aborted (status 499 if nothing was sent).
 */
export function trackNodeResponse(res: ServerResponse, options: NodeResponseOptions): void {
  const tracked = res as Tracked;
  const existing = tracked[TRACKING];
  if (existing) {
    existing.more ??= [];
    existing.more.push(options);
    if (options.onHeaders && !existing.writeHead) {
      existing.writeHead = res.writeHead as Method;
      res.writeHead = hookedWriteHead as ServerResponse['writeHead'];
    }
    return;
  }
  tracked[TRACKING] = {
    options,
    count: options.countBody !== false,
    write: res.write as Method,
    end: res.end as Method,
    writeHead: options.onHeaders ? (res.writeHead as Method) : undefined,
    bytesOut: 0,
    ending: false,
    headersCalled: false,
    done: false,
  };
  res.write = countingWrite as ServerResponse['write'];
  res.end = countingEnd as ServerResponse['end'];
  if (options.onHeaders) res.writeHead = hookedWriteHead as ServerResponse['writeHead'];
  // `on`, not `once`: report() runs once anyway, and `once` wraps each listener in a closure.
  res.on('finish', onFinish);
  res.on('close', onClose);
}
