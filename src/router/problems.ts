import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../errors/problem.js';
import { errors } from '../errors/registry.js';

/** No route, or the routed version is not registered: 503. */
export const noUpstream = (): BreakwaterError =>
  new BreakwaterError(errors.ROUTER_NO_UPSTREAM, 'no version of the app is ready');

/** Maps an upstream failure to the problem the client gets: 504 on timeout, else 502. */
export function upstreamProblem(error: unknown): BreakwaterError {
  const code = (error as { code?: string } | undefined)?.code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new BreakwaterError(errors.ROUTER_UPSTREAM_TIMEOUT, 'the app did not answer in time');
  }
  const reason = code ?? (error instanceof Error ? error.message : 'unknown error');
  return new BreakwaterError(errors.ROUTER_UPSTREAM_FAILED, `the app failed to answer (${reason})`);
}

function problemBody(error: BreakwaterError, instance: string | undefined): string {
  return JSON.stringify(toProblem(error, instance));
}

/** Answers with problem+json unless headers already left; then the response is cut. */
export function sendProblem(res: ServerResponse, error: BreakwaterError, instance?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = problemBody(error, instance);
  res.writeHead(error.status, {
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    ...error.headers,
  });
  res.end(body);
}

/** The same answer on a raw socket, for a failed Upgrade handshake; closes the socket. */
export function sendRawProblem(socket: Duplex, error: BreakwaterError, instance?: string): void {
  const body = problemBody(error, instance);
  socket.end(
    `HTTP/1.1 ${error.status} ${error.title}\r\ncontent-type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
