/**
 * The floor of `npm run bench:router`: the least a Node proxy on node:http and undici can do
 * (the stack the router is built on). Headers copied minus connection-level ones, bodies
 * streamed; no routing, forwarding headers, trace context, samples, timeouts or limits.
 * Not a product: it shows how much of the router's cost is Node's own.
 */
import http from 'node:http';
import { Pool } from 'undici';

const pool = new Pool(process.env.TARGET, { connections: 256, pipelining: 1 });
const CONNECTION_LEVEL = new Set(['connection', 'keep-alive', 'transfer-encoding']);

class Forward {
  constructor(res) {
    this.res = res;
  }
  onRequestStart() {}
  onResponseStart(_controller, status, headers) {
    const out = [];
    for (const name in headers) if (!CONNECTION_LEVEL.has(name)) out.push(name, headers[name]);
    this.res.writeHead(status, out);
  }
  onResponseData(controller, chunk) {
    if (this.res.write(chunk)) return;
    controller.pause();
    this.res.once('drain', () => controller.resume());
  }
  onResponseEnd() {
    this.res.end();
  }
  onResponseError() {
    if (!this.res.headersSent) this.res.writeHead(502);
    this.res.end();
  }
}

http
  .createServer((req, res) => {
    const raw = req.rawHeaders;
    const headers = [];
    for (let i = 0; i < raw.length; i += 2) {
      if (!CONNECTION_LEVEL.has(raw[i].toLowerCase())) headers.push(raw[i], raw[i + 1]);
    }
    const hasBody = req.headers['content-length'] || req.headers['transfer-encoding'];
    pool.dispatch(
      { path: req.url, method: req.method, headers, body: hasBody ? req : null },
      new Forward(res),
    );
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
