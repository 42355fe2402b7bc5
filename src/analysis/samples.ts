/** Default ring size: about 4 minutes of samples at 500 requests per second per version. */
export const DEFAULT_SAMPLE_CAPACITY = 1 << 17;

/** The samples recorded in a time window, oldest first. */
export interface WindowSamples {
  /** Response times in milliseconds, one per finished request. */
  readonly latencies: Float64Array;
  /** Requests that failed: 5xx answers and upstream failures (502/503/504 from the router). */
  readonly failures: number;
  readonly count: number;
  readonly fromMs: number;
  readonly toMs: number;
  /** True when older samples of the window were already overwritten by newer ones. */
  readonly truncated: boolean;
}

/**
 * What the router measured for one version: a fixed-size ring of (time, latency, failed)
 * per finished request, so analysis can read any trailing window without the router doing
 * more than three array writes per request. Old samples are overwritten when it is full.
 */
export class RequestSamples {
  private readonly at: Float64Array;
  private readonly latency: Float32Array;
  private readonly failed: Uint8Array;
  private next = 0;
  /** Requests recorded since creation (not bounded by the capacity). */
  total = 0;

  constructor(readonly capacity = DEFAULT_SAMPLE_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.at = new Float64Array(capacity);
    this.latency = new Float32Array(capacity);
    this.failed = new Uint8Array(capacity);
  }

  /** Records one finished request: when it ended (epoch ms), how long it took, whether it failed. */
  record(atMs: number, latencyMs: number, failed: boolean): void {
    const i = this.next;
    this.at[i] = atMs;
    this.latency[i] = latencyMs;
    this.failed[i] = failed ? 1 : 0;
    this.next = i + 1 === this.capacity ? 0 : i + 1;
    this.total++;
  }

  /** The samples that ended in [fromMs, toMs). */
  window(fromMs: number, toMs: number): WindowSamples {
    const held = Math.min(this.total, this.capacity);
    const out: number[] = [];
    let failures = 0;
    let oldest = Number.POSITIVE_INFINITY;
    // walk from oldest to newest
    const start = this.total > this.capacity ? this.next : 0;
    for (let k = 0; k < held; k++) {
      const i = (start + k) % this.capacity;
      const at = this.at[i] as number;
      if (k === 0) oldest = at;
      if (at < fromMs || at >= toMs) continue;
      out.push(this.latency[i] as number);
      if (this.failed[i] === 1) failures++;
    }
    return {
      latencies: Float64Array.from(out),
      failures,
      count: out.length,
      fromMs,
      toMs,
      truncated: this.total > this.capacity && oldest > fromMs,
    };
  }
}
