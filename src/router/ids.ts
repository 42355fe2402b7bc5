import { randomFillSync } from 'node:crypto';

/**
 * Random trace and span ids for the proxy's hot path: bytes come from a pool refilled by
 * one `randomFillSync` call per 4 KiB, rather than a crypto call per request (which cost
 * the router ~7% of its CPU). Still cryptographically random; ids are never all zeros.
 */
const POOL = Buffer.allocUnsafe(4096);
let offset = POOL.length;

function randomHex(bytes: number): string {
  for (;;) {
    if (offset + bytes > POOL.length) {
      randomFillSync(POOL);
      offset = 0;
    }
    const from = offset;
    offset += bytes;
    for (let i = from; i < offset; i++) {
      if (POOL[i] !== 0) return POOL.toString('hex', from, offset);
    }
  }
}

/** 16 random bytes as 32 lowercase hex digits. */
export const fastTraceId = (): string => randomHex(16);
/** 8 random bytes as 16 lowercase hex digits. */
export const fastSpanId = (): string => randomHex(8);
