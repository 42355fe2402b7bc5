import type { WindowOptions } from './breaker-options.js';

/** A window's contents, for snapshots: outcomes oldest first, or time buckets. */
export type WindowSnapshot =
  /** Each outcome: bit 0 failure, bit 1 slow. */
  | { kind: 'count'; outcomes: number[] }
  /** Each bucket: [bucket id (epoch ms / width), calls, failures, slow]. */
  | { kind: 'time'; buckets: Array<[number, number, number, number]> };

/**
 * The calls a rate rule looks at. `calls`, `failures` and `slow` are running totals, kept
 * current by `record` and `advance`: no allocation and O(1) per call.
 */
export interface OutcomeWindow {
  readonly calls: number;
  readonly failures: number;
  readonly slow: number;
  record(failure: boolean, slow: boolean, now: number): void;
  /** Drops what fell out of a time window by `now` (a count window ignores it). */
  advance(now: number): void;
  reset(): void;
  snapshot(): WindowSnapshot;
  restore(snapshot: WindowSnapshot): void;
}

const FAILURE = 1;
const SLOW = 2;

/** The last `size` calls, in a ring of bit flags. */
class CountWindow implements OutcomeWindow {
  readonly #ring: Uint8Array;
  #next = 0;
  calls = 0;
  failures = 0;
  slow = 0;

  constructor(size: number) {
    this.#ring = new Uint8Array(size);
  }

  record(failure: boolean, slow: boolean): void {
    const ring = this.#ring;
    if (this.calls === ring.length) {
      const old = ring[this.#next] as number;
      this.failures -= old & FAILURE;
      this.slow -= (old & SLOW) >> 1;
    } else this.calls++;
    ring[this.#next] = (failure ? FAILURE : 0) | (slow ? SLOW : 0);
    if (failure) this.failures++;
    if (slow) this.slow++;
    this.#next = this.#next + 1 === ring.length ? 0 : this.#next + 1;
  }

  advance(): void {}

  reset(): void {
    this.#ring.fill(0);
    this.#next = 0;
    this.calls = 0;
    this.failures = 0;
    this.slow = 0;
  }

  snapshot(): WindowSnapshot {
    const size = this.#ring.length;
    const start = this.calls === size ? this.#next : 0;
    const outcomes: number[] = [];
    for (let i = 0; i < this.calls; i++) outcomes.push(this.#ring[(start + i) % size] as number);
    return { kind: 'count', outcomes };
  }

  restore(snapshot: WindowSnapshot): void {
    this.reset();
    if (snapshot.kind !== 'count') return;
    for (const bits of snapshot.outcomes.slice(-this.#ring.length)) {
      this.record((bits & FAILURE) !== 0, (bits & SLOW) !== 0);
    }
  }
}

/** The last `durationMs`, in `buckets` slices that expire one by one as time moves. */
class TimeWindow implements OutcomeWindow {
  readonly #width: number;
  readonly #ids: Float64Array;
  readonly #calls: Uint32Array;
  readonly #failures: Uint32Array;
  readonly #slow: Uint32Array;
  #head = Number.NEGATIVE_INFINITY;
  calls = 0;
  failures = 0;
  slow = 0;

  constructor(durationMs: number, buckets: number) {
    this.#width = durationMs / buckets;
    this.#ids = new Float64Array(buckets).fill(-1);
    this.#calls = new Uint32Array(buckets);
    this.#failures = new Uint32Array(buckets);
    this.#slow = new Uint32Array(buckets);
  }

  advance(now: number): void {
    const id = Math.floor(now / this.#width);
    if (id <= this.#head) return;
    const n = this.#ids.length;
    for (let bucket = Math.max(this.#head + 1, id - n + 1); bucket <= id; bucket++) {
      const slot = bucket % n;
      this.calls -= this.#calls[slot] as number;
      this.failures -= this.#failures[slot] as number;
      this.slow -= this.#slow[slot] as number;
      this.#calls[slot] = 0;
      this.#failures[slot] = 0;
      this.#slow[slot] = 0;
      this.#ids[slot] = bucket;
    }
    this.#head = id;
  }

  record(failure: boolean, slow: boolean, now: number): void {
    this.advance(now);
    const slot = this.#head % this.#ids.length;
    (this.#calls[slot] as number)++;
    this.calls++;
    if (failure) {
      (this.#failures[slot] as number)++;
      this.failures++;
    }
    if (slow) {
      (this.#slow[slot] as number)++;
      this.slow++;
    }
  }

  reset(): void {
    this.#ids.fill(-1);
    this.#calls.fill(0);
    this.#failures.fill(0);
    this.#slow.fill(0);
    this.#head = Number.NEGATIVE_INFINITY;
    this.calls = 0;
    this.failures = 0;
    this.slow = 0;
  }

  snapshot(): WindowSnapshot {
    const buckets: Array<[number, number, number, number]> = [];
    for (let slot = 0; slot < this.#ids.length; slot++) {
      const id = this.#ids[slot] as number;
      const calls = this.#calls[slot] as number;
      if (id >= 0 && calls > 0) {
        buckets.push([id, calls, this.#failures[slot] as number, this.#slow[slot] as number]);
      }
    }
    return { kind: 'time', buckets: buckets.sort((a, b) => a[0] - b[0]) };
  }

  restore(snapshot: WindowSnapshot): void {
    this.reset();
    if (snapshot.kind !== 'time' || snapshot.buckets.length === 0) return;
    const n = this.#ids.length;
    const newest = Math.max(...snapshot.buckets.map((bucket) => bucket[0]));
    for (const [id, calls, failures, slow] of snapshot.buckets) {
      if (id <= newest - n) continue;
      const slot = id % n;
      this.#ids[slot] = id;
      this.#calls[slot] = calls;
      this.#failures[slot] = failures;
      this.#slow[slot] = slow;
      this.calls += calls;
      this.failures += failures;
      this.slow += slow;
    }
    this.#head = newest;
  }
}

export function createWindow(options: WindowOptions, defaultBuckets: number): OutcomeWindow {
  return options.kind === 'count'
    ? new CountWindow(options.size)
    : new TimeWindow(options.durationMs, options.buckets ?? defaultBuckets);
}
