import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { upstreamHeaders } from './headers.js';
import { noUpstream, sendRawProblem, upstreamProblem } from './problems.js';
import type { ProxyTargets } from './proxy-request.js';

/**
 * Passes an `Upgrade` request (WebSocket or any other protocol) through: opens a socket to
 * the chosen upstream, replays the request head with forwarding headers, then pipes bytes
 * both ways untouched. The upstream's own `101` (or refusal) reaches the client as sent.
 */
export function proxyUpgrade(
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  targets: ProxyTargets,
): void {
  const upstream = targets.pick(req)?.upstream; // a raw 101 gets no sticky cookie
  if (upstream === undefined) {
    sendRawProblem(client, noUpstream(), req.url);
    return;
  }
  const { hostname, port } = new URL(upstream.origin);
  const socket = net.connect({ host: hostname, port: Number(port) });
  upstream.track(socket);
  client.on('error', () => socket.destroy());
  socket.once('error', (error) => {
    if (socket.bytesRead === 0 && client.writable) sendRawProblem(client, upstreamProblem(error));
    else client.destroy();
  });
  socket.once('connect', () => {
    const headers = upstreamHeaders(
      req.rawHeaders,
      { remoteAddress: req.socket.remoteAddress, proto: 'http' },
      req.headers.upgrade ?? 'websocket',
    );
    let text = `${req.method} ${req.url} HTTP/1.1\r\n`;
    for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
    socket.write(`${text}\r\n`);
    if (head.length > 0) socket.write(head);
    socket.pipe(client);
    client.pipe(socket);
    socket.once('close', () => client.destroy());
    client.once('close', () => socket.destroy());
  });
}
