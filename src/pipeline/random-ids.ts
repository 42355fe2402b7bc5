import { randomFillSync } from 'node:crypto';

/** Bytes drawn from the CPRNG at once: 256 trace ids or 512 span ids per refill. */
export const DEFAULT_ID_POOL_BYTES = 4096;

/** Fills a buffer with cryptographically random bytes (`crypto.randomFillSync` by default). */
export type RandomFill = (buffer: Buffer) => void;

/** A source of random lowercase-hex ids, never all zeros (W3C trace and span ids). */
export interface IdSource {
  /** `bytes` random bytes as `2 * bytes` lowercase hex digits. */
  hex(bytes: number): string;
}

/**
 * Draws ids from a pooled random buffer: one CPRNG call fills `poolBytes`, ids are hex
 * slices of it, each byte used once; the pool refills when it cannot serve the next id. An
 * all-zero slice (invalid in W3C trace context) is skipped. Cheaper than one `randomBytes`
 * call per id, and just as random.
 */
export function createIdSource(options: { poolBytes?: number; fill?: RandomFill } = {}): IdSource {
  const poolBytes = options.poolBytes ?? DEFAULT_ID_POOL_BYTES;
  if (!Number.isInteger(poolBytes) || poolBytes < 16) {
    throw new RangeError('poolBytes must be an integer of at least 16');
  }
  const fill = options.fill ?? ((buffer: Buffer) => randomFillSync(buffer));
  const pool = Buffer.allocUnsafe(poolBytes);
  let offset = poolBytes;
  return {
    hex(bytes) {
      if (bytes > poolBytes) throw new RangeError(`an id of ${bytes} bytes exceeds the pool`);
      for (;;) {
        if (offset + bytes > poolBytes) {
          fill(pool);
          offset = 0;
        }
        const start = offset;
        offset += bytes;
        for (let i = start; i < offset; i++) {
          if (pool[i] !== 0) return pool.toString('hex', start, offset);
        }
      }
    },
  };
}

let shared: IdSource | undefined;

/** The process-wide id source, made on first use (nothing happens at import time). */
export function sharedIdSource(): IdSource {
  shared ??= createIdSource();
  return shared;
}
