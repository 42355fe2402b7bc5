import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';

/** Marks the error a body limiter raises, so the proxy answers 413 rather than 502. */
export class BodyTooLargeError extends Error {
  readonly tooLarge = true;
}

/** Whether a request carries a body (a Content-Length above 0 or any Transfer-Encoding). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** Declared Content-Length, or undefined when absent or not a number. */
export function declaredLength(req: IncomingMessage): number | undefined {
  const length = req.headers['content-length'];
  if (length === undefined) return undefined;
  const n = Number(length);
  return Number.isFinite(n) ? n : undefined;
}

/** Passes a request body through, failing with BodyTooLargeError past `limit` bytes. */
export function limitBody(req: IncomingMessage, limit: number): Transform {
  let seen = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) callback(new BodyTooLargeError(`request body exceeds ${limit} bytes`));
      else callback(null, chunk);
    },
  });
  req.on('error', (error) => limiter.destroy(error));
  return req.pipe(limiter);
}
