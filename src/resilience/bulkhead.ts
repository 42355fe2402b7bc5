import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { type Clock, DEFAULT_CLOCK, type TimerHandle } from './clock.js';
import { bulkheadRejectedError } from './errors.js';
import type { Policy, PolicyFn } from './policy.js';
import { canAbort, neverAborted } from './signal.js';

export interface BulkheadOptions {
  /** Names the bulkhead in errors and metrics; default "bulkhead". */
  name?: string;
  /** Calls running at once; default 10. */
  maxConcurrent?: number;
  /** Calls waiting for a slot at most; more are rejected at once. Default 0 (no queue). */
  maxQueue?: number;
  /** A queued call waits this long at most, then is rejected; default 1 s. */
  queueTimeoutMs?: number;
  clock?: Clock;
}

export const DEFAULT_BULKHEAD_MAX_CONCURRENT = 10;
export const DEFAULT_BULKHEAD_MAX_QUEUE = 0;
export const DEFAULT_BULKHEAD_QUEUE_TIMEOUT_MS = 1_000;

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
  timer: TimerHandle;
  signal: AbortSignal;
  onAbort: () => void;
  done: boolean;
}

/**
 * Limits concurrency: `maxConcurrent` calls run, up to `maxQueue` wait in order (each for
 * `queueTimeoutMs` at most), the rest are rejected with BW_BULKHEAD_REJECTED. A queued call
 * whose caller aborts leaves the queue at once.
 */
export class BulkheadPolicy implements Policy {
  readonly name: string;
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  readonly queueTimeoutMs: number;
  /** Calls turned away, for metrics. */
  rejections = 0;
  #active = 0;
  #queue: Waiter[] = [];
  #head = 0;
  #waiting = 0;
  readonly #clock: Clock;

  constructor(options: BulkheadOptions = {}) {
    this.name = options.name ?? 'bulkhead';
    this.maxConcurrent = options.maxConcurrent ?? DEFAULT_BULKHEAD_MAX_CONCURRENT;
    this.maxQueue = options.maxQueue ?? DEFAULT_BULKHEAD_MAX_QUEUE;
    this.queueTimeoutMs = options.queueTimeoutMs ?? DEFAULT_BULKHEAD_QUEUE_TIMEOUT_MS;
    this.#clock = options.clock ?? DEFAULT_CLOCK;
    const bad = (detail: string) => {
      throw new BreakwaterError(errors.CONFIG_INVALID, `bulkhead "${this.name}": ${detail}`);
    };
    if (!Number.isInteger(this.maxConcurrent) || this.maxConcurrent < 1)
      bad('maxConcurrent must be a whole number >= 1');
    if (!Number.isInteger(this.maxQueue) || this.maxQueue < 0)
      bad('maxQueue must be a whole number >= 0');
    if (!Number.isFinite(this.queueTimeoutMs) || this.queueTimeoutMs <= 0)
      bad('queueTimeoutMs must be > 0');
  }

  /** Calls running now. */
  get active(): number {
    return this.#active;
  }

  /** Calls waiting for a slot now. */
  get queued(): number {
    return this.#waiting;
  }

  async execute<T>(fn: PolicyFn<T>, signal: AbortSignal = neverAborted()): Promise<T> {
    if (signal.aborted) throw signal.reason;
    if (this.#active < this.maxConcurrent) this.#active++;
    else await this.#enqueue(signal);
    try {
      return await fn(signal);
    } finally {
      this.#release();
    }
  }

  /** Waits for a slot; the slot is already counted as taken when this resolves. */
  #enqueue(signal: AbortSignal): Promise<void> {
    if (this.#waiting >= this.maxQueue) {
      this.rejections++;
      return Promise.reject(
        bulkheadRejectedError(
          this.name,
          'queue-full',
          `${this.#active} running and ${this.#waiting} queued (limits ${this.maxConcurrent} and ${this.maxQueue})`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        done: false,
        onAbort: () => this.#leave(waiter, signal.reason),
        timer: this.#clock.setTimeout(() => {
          this.rejections++;
          this.#leave(
            waiter,
            bulkheadRejectedError(
              this.name,
              'queue-timeout',
              `no slot within the queue timeout of ${this.queueTimeoutMs} ms`,
            ),
          );
        }, this.queueTimeoutMs),
      };
      if (canAbort(signal)) signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.#queue.push(waiter);
      this.#waiting++;
    });
  }

  /** A waiter gives up (timeout or abort) and leaves the queue, so it stays bounded. */
  #leave(waiter: Waiter, error: unknown): void {
    if (waiter.done) return;
    this.#settle(waiter);
    const index = this.#queue.indexOf(waiter, this.#head);
    if (index >= 0) this.#queue.splice(index, 1);
    waiter.reject(error);
  }

  #settle(waiter: Waiter): void {
    waiter.done = true;
    this.#waiting--;
    this.#clock.clearTimeout(waiter.timer);
    if (canAbort(waiter.signal)) waiter.signal.removeEventListener('abort', waiter.onAbort);
  }

  /** Hands the slot to the next live waiter, or frees it. */
  #release(): void {
    while (this.#head < this.#queue.length) {
      const waiter = this.#queue[this.#head] as Waiter;
      this.#head++;
      if (waiter.done) continue;
      this.#settle(waiter);
      this.#compact();
      waiter.resolve();
      return;
    }
    this.#compact();
    this.#active--;
  }

  #compact(): void {
    if (this.#head > 64 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    }
  }
}

export function bulkhead(options: BulkheadOptions = {}): BulkheadPolicy {
  return new BulkheadPolicy(options);
}
