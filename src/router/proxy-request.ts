import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { declaredLength, hasBody, limitBody } from './body-limit.js';
import { downstreamHeaders, upstreamHeaders } from './headers.js';
import { noUpstream, sendProblem, upstreamProblem } from './problems.js';
import type { Upstream } from './upstream.js';

/** What the proxy needs from the router for one request. */
export interface ProxyTargets {
  /** The upstream for a new request, chosen from the current route table. */
  pick(req: IncomingMessage): Upstream | undefined;
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

/**
 * Forwards one request to the upstream the route table picks and streams the answer back.
 * A GET or HEAD without a body whose socket is reset before any answer is retried once,
 * on the upstream the table picks then, so a switch away from a draining version never
 * fails it. Failures leave as problem+json: 503 no upstream, 502 failed, 504 timed out.
 */
export function proxyRequest(
  req: IncomingMessage,
  res: ServerResponse,
  targets: ProxyTargets,
  attempt = 0,
): void {
  const upstream = targets.pick(req);
  if (upstream === undefined) {
    sendProblem(res, noUpstream(), req.url);
    return;
  }
  const withBody = hasBody(req);
  const limit = targets.bodyLimitBytes;
  if (withBody && (declaredLength(req) ?? 0) > limit) {
    res.shouldKeepAlive = false;
    sendProblem(res, tooLarge(limit), req.url);
    return;
  }
  const method = req.method ?? 'GET';
  const retriable = attempt === 0 && !withBody && (method === 'GET' || method === 'HEAD');
  let body: Readable | null = null;
  if (withBody) body = declaredLength(req) === undefined ? limitBody(req, limit) : req;

  upstream.begin();
  let ended = false;
  let started = false;
  let clientGone = false;
  let controller: Dispatcher.DispatchController | undefined;
  const end = () => {
    if (ended) return false;
    ended = true;
    upstream.done();
    res.off('close', onClose);
    return true;
  };
  const onClose = () => {
    if (ended) return;
    clientGone = true;
    controller?.abort(new Error('client closed the connection'));
  };
  res.on('close', onClose);

  upstream.pool.dispatch(
    {
      path: req.url ?? '/',
      method,
      headers: upstreamHeaders(req.rawHeaders, {
        remoteAddress: req.socket.remoteAddress,
        proto: 'http',
      }),
      body,
    },
    {
      onRequestStart(c) {
        controller = c;
        if (clientGone) c.abort(new Error('client closed the connection'));
      },
      onResponseStart(c, status, headers) {
        if (status < 200) return;
        try {
          res.writeHead(status, downstreamHeaders(headers));
        } catch (error) {
          c.abort(error as Error); // a header node refuses to send: answered as a 502
          return;
        }
        started = true;
        if (String(headers['content-type']).startsWith('text/event-stream')) res.flushHeaders();
      },
      onResponseData(c, chunk) {
        if (!res.write(chunk)) {
          c.pause();
          res.once('drain', () => c.resume());
        }
      },
      onResponseEnd() {
        if (end()) res.end();
      },
      onResponseError(_c, error) {
        if (!end() || clientGone) return;
        if (!started && retriable && isReset(error)) {
          proxyRequest(req, res, targets, 1);
          return;
        }
        if ((error as { tooLarge?: boolean }).tooLarge === true) {
          res.shouldKeepAlive = false;
          sendProblem(res, tooLarge(limit), req.url);
          return;
        }
        sendProblem(res, upstreamProblem(error), req.url);
      },
    },
  );
}
