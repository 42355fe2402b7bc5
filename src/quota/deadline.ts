/**
 * Bounds how long store steps may take without a timer per step. Every step of one engine
 * has the same allowance and deadlines come from the monotonic clock, so pending steps form
 * a list ordered by deadline: watching is an
 * append, settling an unlink (no hash table, nothing left behind for the garbage collector
 * to trace), and one unref'd ticker per list times out what reached the head. A step is
 * timed out at most one tick (a quarter of its allowance, 10..100 ms) late.
 */
export interface Watch {
  at: number;
  onTimeout: ((error: Error) => void) | undefined;
  prev: Watch | undefined;
  next: Watch | undefined;
}

export class Deadlines {
  #head: Watch | undefined;
  #tail: Watch | undefined;
  #ticker: NodeJS.Timeout | undefined;

  constructor(readonly ms: number) {}

  /** Calls `onTimeout` once `ms` have passed, unless `settle(watch)` comes first. */
  watch(onTimeout: (error: Error) => void): Watch {
    const entry: Watch = {
      at: performance.now() + this.ms,
      onTimeout,
      prev: this.#tail,
      next: undefined,
    };
    if (this.#tail === undefined) this.#head = entry;
    else this.#tail.next = entry;
    this.#tail = entry;
    if (this.#ticker === undefined) {
      this.#ticker = setInterval(() => this.#sweep(), Math.max(10, Math.min(100, this.ms / 4)));
      this.#ticker.unref();
    }
    return entry;
  }

  /** Ends a watch; false when it had already timed out (its answer must be ignored). */
  settle(entry: Watch): boolean {
    if (entry.onTimeout === undefined) return false;
    entry.onTimeout = undefined;
    if (entry.prev === undefined) this.#head = entry.next;
    else entry.prev.next = entry.next;
    if (entry.next === undefined) this.#tail = entry.prev;
    else entry.next.prev = entry.prev;
    entry.prev = undefined;
    entry.next = undefined;
    return true;
  }

  /** Resolves or rejects like `step`, or rejects once `ms` have passed. */
  wrap<T>(step: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry = this.watch(reject);
      step.then(
        (value) => {
          if (this.settle(entry)) resolve(value);
        },
        (error: unknown) => {
          if (this.settle(entry)) reject(error);
        },
      );
    });
  }

  #sweep(): void {
    const now = performance.now();
    for (let entry = this.#head; entry !== undefined && entry.at <= now; entry = this.#head) {
      const onTimeout = entry.onTimeout;
      this.settle(entry);
      onTimeout?.(new Error(`no answer within ${this.ms} ms`));
    }
    if (this.#head === undefined && this.#ticker !== undefined) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
  }
}
