import { BreakwaterError, hasCode } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { decorrelatedJitter } from './backoff.js';
import { type Classifier, isFailureError } from './classifier.js';
import { type Clock, DEFAULT_CLOCK, sleep } from './clock.js';
import { retryExhaustedError } from './errors.js';
import type { Policy, PolicyFn } from './policy.js';
import { retryAfterOf } from './retry-after.js';
import { neverAborted } from './signal.js';

/** What a retry listener learns before each wait. */
export interface RetryEvent {
  policy: string;
  /** The attempt that failed, from 1. */
  attempt: number;
  delayMs: number;
  /** The error, or the failed result, that caused the retry. */
  reason: { error: unknown } | { value: unknown };
}

export interface RetryOptions {
  /** Names the policy in errors and metrics; default "retry". */
  name?: string;
  /** Attempts in all, the first included; default 3. */
  maxAttempts?: number;
  /** No attempt starts once this much time has passed since the first; default 30 s. */
  maxTotalTimeMs?: number;
  /** The smallest backoff; default 100 ms. */
  initialDelayMs?: number;
  /** The largest backoff (Retry-After may ask for more); default 10 s. */
  maxDelayMs?: number;
  /** What to retry; default DEFAULT_RETRY_CLASSIFIER. */
  retryOn?: Classifier;
  /** Wait as long as a 429/503's `Retry-After` asks (within maxTotalTimeMs); default true. */
  honorRetryAfter?: boolean;
  /** Releases a failed result before the next attempt (e.g. cancels a response body). */
  dispose?: (value: unknown) => unknown;
  onRetry?: (event: RetryEvent) => void;
  /** In [0, 1); default Math.random. */
  random?: () => number;
  clock?: Clock;
}

export const DEFAULT_RETRY_MAX_ATTEMPTS = 3;
export const DEFAULT_RETRY_MAX_TOTAL_TIME_MS = 30_000;
export const DEFAULT_RETRY_INITIAL_DELAY_MS = 100;
export const DEFAULT_RETRY_MAX_DELAY_MS = 10_000;

/**
 * Retries what `isFailureError` calls a failure, except a breaker rejection or an exhausted
 * inner retry (retrying those only hammers); results are never retried.
 */
export const DEFAULT_RETRY_CLASSIFIER: Classifier = Object.freeze({
  error: (error: unknown) =>
    isFailureError(error) &&
    !hasCode(error, errors.BREAKER_OPEN) &&
    !hasCode(error, errors.RETRY_EXHAUSTED),
});

/**
 * Retries with exponential backoff and decorrelated jitter, at most `maxAttempts` attempts
 * within `maxTotalTimeMs`, honouring `Retry-After`. A retryable error that runs out of
 * attempts or time becomes BW_RETRY_EXHAUSTED (the last error as `cause`); a failed result
 * is returned as is; anything not retryable, and a caller's abort, passes through at once.
 */
export class RetryPolicy implements Policy {
  readonly name: string;
  /** Retries made (attempts after the first), for metrics. */
  retries = 0;
  /** Calls that gave up. */
  exhausted = 0;
  readonly #maxAttempts: number;
  readonly #maxTotalTimeMs: number;
  readonly #initialDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #retryOn: Classifier;
  readonly #honorRetryAfter: boolean;
  readonly #options: RetryOptions;
  readonly #random: () => number;
  readonly #clock: Clock;

  constructor(options: RetryOptions = {}) {
    this.name = options.name ?? 'retry';
    this.#maxAttempts = options.maxAttempts ?? DEFAULT_RETRY_MAX_ATTEMPTS;
    this.#maxTotalTimeMs = options.maxTotalTimeMs ?? DEFAULT_RETRY_MAX_TOTAL_TIME_MS;
    this.#initialDelayMs = options.initialDelayMs ?? DEFAULT_RETRY_INITIAL_DELAY_MS;
    this.#maxDelayMs = options.maxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS;
    this.#retryOn = options.retryOn ?? DEFAULT_RETRY_CLASSIFIER;
    this.#honorRetryAfter = options.honorRetryAfter ?? true;
    this.#random = options.random ?? Math.random;
    this.#clock = options.clock ?? DEFAULT_CLOCK;
    this.#options = options;
    const bad = (detail: string) => {
      throw new BreakwaterError(errors.CONFIG_INVALID, `retry "${this.name}": ${detail}`);
    };
    if (!Number.isInteger(this.#maxAttempts) || this.#maxAttempts < 1)
      bad('maxAttempts must be a whole number >= 1');
    for (const [key, value] of Object.entries({
      maxTotalTimeMs: this.#maxTotalTimeMs,
      initialDelayMs: this.#initialDelayMs,
      maxDelayMs: this.#maxDelayMs,
    })) {
      if (!Number.isFinite(value) || value < 0) bad(`${key} must be a number >= 0`);
    }
    if (this.#maxDelayMs < this.#initialDelayMs) bad('maxDelayMs must be >= initialDelayMs');
  }

  async execute<T>(fn: PolicyFn<T>, signal: AbortSignal = neverAborted()): Promise<T> {
    if (signal.aborted) throw signal.reason;
    const started = this.#clock.now();
    let value: T;
    try {
      value = await fn(signal);
    } catch (error) {
      if (signal.aborted || !this.#retryOn.error(error)) throw error;
      return this.#again(fn, signal, started, { error });
    }
    if (this.#retryOn.result?.(value) !== true) return value;
    return this.#again(fn, signal, started, { value });
  }

  /** The slow path: waits and tries again after the failed first attempt. */
  async #again<T>(
    fn: PolicyFn<T>,
    signal: AbortSignal,
    started: number,
    first: RetryEvent['reason'],
  ): Promise<T> {
    let reason = first;
    let delay = 0;
    for (let attempt = 1; ; attempt++) {
      delay = await this.#wait(attempt, delay, started, reason, signal);
      if (delay < 0) {
        this.exhausted++;
        if ('error' in reason) throw retryExhaustedError(this.name, attempt, reason.error);
        return reason.value as T;
      }
      if (signal.aborted) throw signal.reason;
      try {
        const value = await fn(signal);
        if (this.#retryOn.result?.(value) !== true) return value;
        reason = { value };
      } catch (error) {
        if (signal.aborted || !this.#retryOn.error(error)) throw error;
        reason = { error };
      }
    }
  }

  /** Sleeps before the next attempt and answers the delay used, or -1 to give up. */
  async #wait(
    attempt: number,
    previous: number,
    started: number,
    reason: RetryEvent['reason'],
    signal: AbortSignal,
  ): Promise<number> {
    if (attempt >= this.#maxAttempts) return -1;
    const now = this.#clock.now();
    let delay = decorrelatedJitter(previous, this.#initialDelayMs, this.#maxDelayMs, this.#random);
    if (this.#honorRetryAfter) {
      const asked = retryAfterOf('error' in reason ? reason.error : reason.value, now);
      if (asked !== undefined) delay = Math.max(delay, asked);
    }
    if (now - started + delay > this.#maxTotalTimeMs) return -1;
    if ('value' in reason) {
      try {
        await this.#options.dispose?.(reason.value);
      } catch {
        // a result that cannot be released is dropped all the same
      }
    }
    this.retries++;
    this.#options.onRetry?.({ policy: this.name, attempt, delayMs: delay, reason });
    await sleep(delay, signal, this.#clock);
    return delay;
  }
}

export function retry(options: RetryOptions = {}): RetryPolicy {
  return new RetryPolicy(options);
}
