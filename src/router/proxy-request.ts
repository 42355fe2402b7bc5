import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { declaredLength, hasBody, limitBody } from './body-limit.js';
import { downstreamHeaders, upstreamHeaders } from './headers.js';
import { noUpstream, sendProblem, upstreamProblem } from './problems.js';
import type { Upstream } from './upstream.js';

/** Where one request goes. */
export interface ProxyTarget {
  readonly upstream: Upstream;
  /** A `Set-Cookie` value the answer must carry (the sticky assignment), if any. */
  readonly setCookie: string | undefined;
}

/** What the proxy needs from the router for one request. */
export interface ProxyTargets {
  /** The target of a new request, chosen from the current route table. */
  pick(req: IncomingMessage): ProxyTarget | undefined;
  readonly bodyLimitBytes: number;
}

/** Errors that mean "the socket went away under us": safe to retry an idempotent request. */
const RESET_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNREFUSED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

function isReset(error: unknown): boolean {
  return RESET_CODES.has((error as { code?: string }).code ?? '');
}

const tooLarge = (limit: number) =>
  new BreakwaterError(errors.HTTP_PAYLOAD_TOO_LARGE, `request body exceeds ${limit} bytes`);

const CLIENT_CLOSED = 'client closed the connection';
const kExchange = Symbol('breakwater.exchange');
type Tracked = ServerResponse & { [kExchange]?: Exchange };

/** The one `close` listener of a response, shared by all: tells its exchange the client left. */
function onClientClose(this: Tracked): void {
  this[kExchange]?.clientClosed();
}

/**
 * Forwards one request to the upstream the route table picks and streams the answer back.
 * A GET or HEAD without a body whose socket is reset before any answer is retried once,
 * on the upstream the table picks then, so a switch away from a draining version never
 * fails it. Failures leave as problem+json: 503 no upstream, 502 failed, 504 timed out.
 *
 * Each finished request is recorded in the serving upstream's samples: failed when the
 * answer is a 5xx or the router answered 502/504 (or cut the body) because of it. A reset
 * retried elsewhere (or with nowhere to go) is a failure of the first upstream unless it is
 * draining; one retried on the same upstream is not counted. Client aborts are not recorded.
 */
export function proxyRequest(
  req: IncomingMessage,
  res: ServerResponse,
  targets: ProxyTargets,
): void {
  attempt(req, res, targets, undefined, 0);
}

/** One attempt; `resetBy` and `resetStart` say whose reset (started when) a retry follows. */
function attempt(
  req: IncomingMessage,
  res: Tracked,
  targets: ProxyTargets,
  resetBy: Upstream | undefined,
  resetStart: number,
): void {
  const target = targets.pick(req);
  if (resetBy !== undefined && resetBy !== target?.upstream && !resetBy.draining) {
    resetBy.samples.record(Date.now(), performance.now() - resetStart, true);
  }
  if (target === undefined) {
    sendProblem(res, noUpstream(), req.url);
    return;
  }
  const withBody = hasBody(req);
  const limit = targets.bodyLimitBytes;
  const length = withBody ? declaredLength(req) : 0;
  if (length !== undefined && length > limit) {
    res.shouldKeepAlive = false;
    sendProblem(res, tooLarge(limit), req.url);
    return;
  }
  const method = req.method ?? 'GET';
  const retriable = resetBy === undefined && !withBody && (method === 'GET' || method === 'HEAD');
  let body: Readable | null = null;
  if (withBody) body = length === undefined ? limitBody(req, limit) : req;

  const exchange = new Exchange(req, res, targets, target, retriable);
  if (res[kExchange] === undefined) res.on('close', onClientClose);
  res[kExchange] = exchange;
  target.upstream.pool.dispatch(
    {
      path: req.url ?? '/',
      method,
      headers: upstreamHeaders(req.rawHeaders, {
        remoteAddress: req.socket.remoteAddress,
        proto: 'http',
      }),
      body,
    },
    exchange,
  );
}

/**
 * One request in flight to an upstream, and the handler undici calls back: one object holds
 * what closures per request would otherwise capture.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private readonly upstream: Upstream;
  private readonly start = performance.now();
  private controller: Dispatcher.DispatchController | undefined = undefined;
  /** The status sent to the client; 0 until the response head left. */
  private status = 0;
  private ended = false;
  private clientGone = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: Tracked,
    private readonly targets: ProxyTargets,
    private readonly target: ProxyTarget,
    private readonly retriable: boolean,
  ) {
    this.upstream = target.upstream;
    this.upstream.begin();
  }

  clientClosed(): void {
    if (this.ended) return;
    this.clientGone = true;
    this.controller?.abort(new Error(CLIENT_CLOSED));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.clientGone) controller.abort(new Error(CLIENT_CLOSED));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (status < 200) return;
    const res = this.res;
    const out = downstreamHeaders(headers);
    // appended after the app's own Set-Cookie lines, never replacing them
    if (this.target.setCookie !== undefined) out.push('set-cookie', this.target.setCookie);
    try {
      res.writeHead(status, out);
    } catch (error) {
      controller.abort(error as Error); // a header node refuses to send: answered as a 502
      return;
    }
    this.status = status;
    if (headers['content-type']?.startsWith('text/event-stream') === true) res.flushHeaders();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.res.write(chunk)) return;
    controller.pause();
    this.res.once('drain', () => controller.resume());
  }

  onResponseEnd(): void {
    if (!this.end()) return;
    this.res.end();
    this.upstream.samples.record(Date.now(), performance.now() - this.start, this.status >= 500);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (!this.end() || this.clientGone) return;
    const { req, res } = this;
    if (this.status === 0 && this.retriable && isReset(error)) {
      attempt(req, res, this.targets, this.upstream, this.start);
      return;
    }
    if ((error as { tooLarge?: boolean }).tooLarge === true) {
      res.shouldKeepAlive = false;
      sendProblem(res, tooLarge(this.targets.bodyLimitBytes), req.url);
      return;
    }
    this.upstream.samples.record(Date.now(), performance.now() - this.start, true);
    sendProblem(res, upstreamProblem(error), req.url);
  }

  /** Marks the exchange over (once); false when it already was. */
  private end(): boolean {
    if (this.ended) return false;
    this.ended = true;
    this.upstream.done();
    return true;
  }
}
