import { describe, expect, it } from 'vitest';
import { createIdSource, newSpanId, newTraceId } from '../../src/pipeline/index.js';

describe('createIdSource', () => {
  it('gives valid, distinct ids across many pool refills', () => {
    let fills = 0;
    const source = createIdSource({
      poolBytes: 64,
      fill: (buffer) => {
        fills++;
        fillRandom(buffer);
      },
    });
    const ids = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const trace = source.hex(16);
      const span = source.hex(8);
      expect(trace).toMatch(/^[0-9a-f]{32}$/);
      expect(span).toMatch(/^[0-9a-f]{16}$/);
      ids.add(trace).add(span);
    }
    expect(ids.size).toBe(4_000);
    // 2,000 x 24 bytes from a 64-byte pool (2 trace + 1 span id + leftovers per fill).
    expect(fills).toBeGreaterThan(600);
  });

  it('uses each pooled byte at most once and refills when an id does not fit', () => {
    let next = 1;
    const source = createIdSource({
      poolBytes: 20,
      fill: (buffer) => {
        for (let i = 0; i < buffer.length; i++) buffer[i] = next++ % 256 || 1;
      },
    });
    expect(source.hex(8)).toBe('0102030405060708');
    expect(source.hex(8)).toBe('090a0b0c0d0e0f10');
    // 4 bytes left: a 16-byte id comes from a fresh fill, not the leftovers.
    expect(source.hex(16)).toBe('15161718191a1b1c1d1e1f2021222324');
  });

  it('never returns an all-zero id: it skips the zero slice', () => {
    let calls = 0;
    const source = createIdSource({
      poolBytes: 16,
      fill: (buffer) => {
        buffer.fill(calls++ === 0 ? 0 : 0xab);
      },
    });
    expect(source.hex(8)).toBe('abababababababab');
    expect(calls).toBe(2);
    // An id with some zero bytes is valid and kept.
    const mixed = createIdSource({ poolBytes: 16, fill: (b) => b.fill(0).writeUInt8(1, 15) });
    expect(mixed.hex(16)).toBe(`${'00'.repeat(15)}01`);
  });

  it('refuses a pool too small for a trace id, or an id larger than the pool', () => {
    expect(() => createIdSource({ poolBytes: 8 })).toThrow(RangeError);
    expect(() => createIdSource({ poolBytes: 16 }).hex(32)).toThrow(RangeError);
  });

  it('backs newTraceId and newSpanId with the real CPRNG', () => {
    const ids = new Set(Array.from({ length: 1_000 }, () => newTraceId()));
    expect(ids.size).toBe(1_000);
    for (const id of ids) expect(id).not.toMatch(/^0+$/);
    expect(newSpanId()).toMatch(/^[0-9a-f]{16}$/);
  });
});

/** Real random bytes for the fill hook, so uniqueness is meaningful. */
function fillRandom(buffer: Buffer): void {
  crypto.getRandomValues(buffer);
}
