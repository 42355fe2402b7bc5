import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { type Clock, DEFAULT_CLOCK } from './clock.js';
import { withDeadline } from './deadline.js';
import { timeoutError } from './errors.js';
import type { Policy, PolicyFn } from './policy.js';
import { neverAborted } from './signal.js';

export interface TimeoutOptions {
  /** Names the policy in errors and metrics; default "timeout". */
  name?: string;
  clock?: Clock;
}

/**
 * Gives each call `ms` milliseconds. The function receives a signal linked to the caller's
 * and aborted at the deadline (reason: the BW_TIMEOUT error); the call rejects at the
 * deadline even if the function ignores its signal.
 */
export class TimeoutPolicy implements Policy {
  readonly name: string;
  readonly ms: number;
  /** Calls that hit the deadline, for metrics. */
  timeouts = 0;
  readonly #clock: Clock;
  readonly #onTimeout: () => unknown;

  constructor(ms: number, options: TimeoutOptions = {}) {
    this.name = options.name ?? 'timeout';
    if (!Number.isFinite(ms) || ms <= 0) {
      throw new BreakwaterError(errors.CONFIG_INVALID, `timeout "${this.name}": ms must be > 0`);
    }
    this.ms = ms;
    this.#clock = options.clock ?? DEFAULT_CLOCK;
    this.#onTimeout = () => {
      this.timeouts++;
      return timeoutError(`call under timeout "${this.name}"`, ms);
    };
  }

  execute<T>(fn: PolicyFn<T>, signal: AbortSignal = neverAborted()): Promise<T> {
    return withDeadline(fn, signal, this.ms, this.#clock, this.#onTimeout);
  }
}

export function timeout(ms: number, options: TimeoutOptions = {}): TimeoutPolicy {
  return new TimeoutPolicy(ms, options);
}
