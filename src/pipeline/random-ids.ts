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
          if (pool[i] !== 0) return hexOf(pool, start, offset);
        }
      }
    },
  };
}

/** Char codes of the high and low hex digit of each byte value. */
const HIGH = new Uint8Array(256);
const LOW = new Uint8Array(256);
for (let byte = 0; byte < 256; byte++) {
  HIGH[byte] = '0123456789abcdef'.charCodeAt(byte >> 4);
  LOW[byte] = '0123456789abcdef'.charCodeAt(byte & 15);
}

/** 8 bytes of `pool` from `at` as 16 hex digits, without a call into Node's Buffer code. */
function hex8(pool: Buffer, at: number): string {
  const b0 = pool[at] as number;
  const b1 = pool[at + 1] as number;
  const b2 = pool[at + 2] as number;
  const b3 = pool[at + 3] as number;
  const b4 = pool[at + 4] as number;
  const b5 = pool[at + 5] as number;
  const b6 = pool[at + 6] as number;
  const b7 = pool[at + 7] as number;
  // biome-ignore format: one pair of digits per byte
  return String.fromCharCode(
    HIGH[b0] as number, LOW[b0] as number, HIGH[b1] as number, LOW[b1] as number,
    HIGH[b2] as number, LOW[b2] as number, HIGH[b3] as number, LOW[b3] as number,
    HIGH[b4] as number, LOW[b4] as number, HIGH[b5] as number, LOW[b5] as number,
    HIGH[b6] as number, LOW[b6] as number, HIGH[b7] as number, LOW[b7] as number,
  );
}

/** `pool[start, end)` as hex: span (8) and trace (16) ids by char codes, others by Buffer. */
function hexOf(pool: Buffer, start: number, end: number): string {
  const bytes = end - start;
  if (bytes === 8) return hex8(pool, start);
  if (bytes === 16) return hex8(pool, start) + hex8(pool, start + 8);
  return pool.toString('hex', start, end);
}

let shared: IdSource | undefined;

/** The process-wide id source, made on first use (nothing happens at import time). */
export function sharedIdSource(): IdSource {
  shared ??= createIdSource();
  return shared;
}
