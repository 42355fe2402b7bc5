import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
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

/** Adds the router's cookie after any the upstream set; never replaces theirs. */
function appendSetCookie(headers: OutgoingHttpHeaders, cookie: string): void {
  const prior = headers['set-cookie'];
  if (prior === undefined) headers['set-cookie'] = cookie;
  else if (Array.isArray(prior)) headers['set-cookie'] = [...prior, cookie];
  else headers['set-cookie'] = [String(prior), cookie];
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
 * `resetBy` and `resetStart` are set on the retry: the upstream whose reset caused it, and
 * when that attempt started.
 */
export function proxyRequest(
  req: IncomingMessage,
  res: ServerResponse,
  targets: ProxyTargets,
  resetBy?: Upstream,
  resetStart = 0,
): void {
  const target = targets.pick(req);
  if (resetBy !== undefined && resetBy !== target?.upstream && !resetBy.draining) {
    resetBy.samples.record(Date.now(), performance.now() - resetStart, true);
  }
  if (target === undefined) {
    sendProblem(res, noUpstream(), req.url);
    return;
  }
  const { upstream, setCookie } = target;
  const withBody = hasBody(req);
  const limit = targets.bodyLimitBytes;
  if (withBody && (declaredLength(req) ?? 0) > limit) {
    res.shouldKeepAlive = false;
    sendProblem(res, tooLarge(limit), req.url);
    return;
  }
  const method = req.method ?? 'GET';
  const retriable = resetBy === undefined && !withBody && (method === 'GET' || method === 'HEAD');
  let body: Readable | null = null;
  if (withBody) body = declaredLength(req) === undefined ? limitBody(req, limit) : req;

  upstream.begin();
  const start = performance.now();
  let ended = false;
  let status = 0;
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
      onResponseStart(c, code, headers) {
        if (code < 200) return;
        const out = downstreamHeaders(headers);
        if (setCookie !== undefined) appendSetCookie(out, setCookie);
        try {
          res.writeHead(code, out);
        } catch (error) {
          c.abort(error as Error); // a header node refuses to send: answered as a 502
          return;
        }
        status = code;
        if (String(headers['content-type']).startsWith('text/event-stream')) res.flushHeaders();
      },
      onResponseData(c, chunk) {
        if (!res.write(chunk)) {
          c.pause();
          res.once('drain', () => c.resume());
        }
      },
      onResponseEnd() {
        if (!end()) return;
        res.end();
        upstream.samples.record(Date.now(), performance.now() - start, status >= 500);
      },
      onResponseError(_c, error) {
        if (!end() || clientGone) return;
        if (status === 0 && retriable && isReset(error)) {
          proxyRequest(req, res, targets, upstream, start);
          return;
        }
        if ((error as { tooLarge?: boolean }).tooLarge === true) {
          res.shouldKeepAlive = false;
          sendProblem(res, tooLarge(limit), req.url);
          return;
        }
        upstream.samples.record(Date.now(), performance.now() - start, true);
        sendProblem(res, upstreamProblem(error), req.url);
      },
    },
  );
}
