import type { Classifier } from './classifier.js';
import type { Policy, PolicyFn } from './policy.js';
import { neverAborted } from './signal.js';

/** What the fallback replaces: a thrown error, or a value the classifier called a failure. */
export type FallbackReason = { error: unknown } | { value: unknown };

export type FallbackHandler<F> = (
  reason: FallbackReason,
  signal: AbortSignal,
) => F | PromiseLike<F>;

export interface FallbackOptions {
  /** Which outcomes to replace; default every error (a breaker's or bulkhead's rejection too). */
  when?: Classifier;
}

const EVERY_ERROR: Classifier = Object.freeze({ error: () => true });

/**
 * Answers with `handler` instead of failing. Never replaces a caller's abort: an aborted
 * call rejects with the abort reason.
 */
export class FallbackPolicy<F> implements Policy<F> {
  /** Calls answered by the handler, for metrics. */
  used = 0;
  readonly #handler: FallbackHandler<F>;
  readonly #when: Classifier;

  constructor(handler: FallbackHandler<F>, options: FallbackOptions = {}) {
    this.#handler = handler;
    this.#when = options.when ?? EVERY_ERROR;
  }

  async execute<T>(fn: PolicyFn<T>, signal: AbortSignal = neverAborted()): Promise<T | F> {
    if (signal.aborted) throw signal.reason;
    let value: T;
    try {
      value = await fn(signal);
    } catch (error) {
      if (signal.aborted || !this.#when.error(error)) throw error;
      this.used++;
      return this.#handler({ error }, signal);
    }
    if (this.#when.result?.(value) !== true) return value;
    this.used++;
    return this.#handler({ value }, signal);
  }
}

export function fallback<F>(handler: FallbackHandler<F>, options: FallbackOptions = {}) {
  return new FallbackPolicy(handler, options);
}
