import type { IncomingHttpHeaders } from 'node:http';
import { formatTraceparent, parseTraceparent } from '../pipeline/traceparent.js';
import { fastSpanId, fastTraceId } from './ids.js';

/** Headers that describe one hop, never forwarded (RFC 9110 7.6.1), plus `expect`. */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'expect',
]);

/** What the proxy knows about the client side of a request. */
export interface ClientSide {
  remoteAddress: string | undefined;
  /** `http` or `https`: the scheme the client used to reach the router. */
  proto: string;
}

/** Lower-cased names listed in `Connection`; they are hop-by-hop for this message too. */
export function connectionTokens(value: string | string[] | undefined): Set<string> | undefined {
  // the common values name no extra header: skip building a set on the hot path
  if (value === undefined || value === 'keep-alive' || value === 'close') return undefined;
  const tokens = new Set<string>();
  for (const part of (Array.isArray(value) ? value.join(',') : value).split(',')) {
    const token = part.trim().toLowerCase();
    if (token !== '') tokens.add(token);
  }
  return tokens;
}

const isHop = (name: string, listed: Set<string> | undefined) =>
  HOP_BY_HOP.has(name) || name.startsWith('proxy-') || listed?.has(name) === true;

/**
 * The headers to send upstream, as a flat `[name, value, ...]` list: the client's headers
 * without hop-by-hop ones, `X-Forwarded-For` appended, `X-Forwarded-Proto`/`-Host` set when
 * absent, and a `traceparent` that continues the caller's trace (or starts one). With
 * `upgrade`, `Connection: upgrade` and the `Upgrade` header are kept for the handshake.
 */
export function upstreamHeaders(
  rawHeaders: readonly string[],
  client: ClientSide,
  upgrade?: string,
): string[] {
  let listed: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length === 10 && name.toLowerCase() === 'connection') {
      listed = connectionTokens(rawHeaders[i + 1]);
      listed?.delete('upgrade');
    }
  }
  const out: string[] = [];
  let forwardedFor: string | undefined;
  let host: string | undefined;
  let hasProto = false;
  let hasHost = false;
  let trace: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    const lower = name.toLowerCase();
    if (isHop(lower, listed)) continue;
    switch (lower) {
      case 'x-forwarded-for':
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
        continue;
      case 'traceparent':
        trace = value;
        continue;
      case 'x-forwarded-proto':
        hasProto = true;
        break;
      case 'x-forwarded-host':
        hasHost = true;
        break;
      case 'host':
        host = value;
        break;
    }
    out.push(name, value);
  }
  const address = client.remoteAddress ?? 'unknown';
  out.push('x-forwarded-for', forwardedFor === undefined ? address : `${forwardedFor}, ${address}`);
  if (!hasProto) out.push('x-forwarded-proto', client.proto);
  if (!hasHost && host !== undefined) out.push('x-forwarded-host', host);
  out.push('traceparent', nextTraceparent(trace));
  if (upgrade !== undefined) out.push('connection', 'upgrade', 'upgrade', upgrade);
  return out;
}

/** Continues a valid incoming trace with a fresh span id, or starts a new sampled trace. */
export function nextTraceparent(header: string | undefined): string {
  const parent = parseTraceparent(header);
  return parent
    ? formatTraceparent(parent.traceId, fastSpanId(), parent.flags)
    : formatTraceparent(fastTraceId(), fastSpanId(), '01');
}

/**
 * The upstream's response headers without hop-by-hop ones, as the flat `[name, value, ...]`
 * list `writeHead` takes (cheaper for node than an object: no key enumeration, and nothing
 * copied into a second object). A repeated header (`Set-Cookie`) keeps its array of values,
 * which node sends as separate lines.
 */
export function downstreamHeaders(headers: IncomingHttpHeaders): Array<string | string[]> {
  const listed = connectionTokens(headers.connection);
  const out: Array<string | string[]> = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || isHop(name, listed)) continue;
    out.push(name, value);
  }
  return out;
}
