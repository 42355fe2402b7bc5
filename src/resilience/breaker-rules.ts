import type { TransitionReason } from './breaker-events.js';
import { DEFAULT_TIME_WINDOW_BUCKETS, type ResolvedBreakerOptions } from './breaker-options.js';
import { createWindow, type OutcomeWindow, type WindowSnapshot } from './breaker-window.js';

/**
 * The failure rules of a CLOSED breaker: failures in a row, and the failure and slow-call
 * rates over the window once it holds `minimumCalls`. Pure counting, no clock of its own.
 */
export class FailureRules {
  readonly #options: ResolvedBreakerOptions<unknown>;
  readonly #window: OutcomeWindow | undefined;
  #consecutive = 0;

  constructor(options: ResolvedBreakerOptions<unknown>) {
    this.#options = options;
    this.#window = options.window && createWindow(options.window, DEFAULT_TIME_WINDOW_BUCKETS);
  }

  get consecutiveFailures(): number {
    return this.#consecutive;
  }

  /** Records one call; answers the rule that trips, if one does. */
  record(failure: boolean, slow: boolean, now: number): TransitionReason | undefined {
    const { consecutiveFailures, failureRateThreshold, slowCallDurationMs } = this.#options;
    if (consecutiveFailures !== undefined) {
      if (!failure) this.#consecutive = 0;
      else if (++this.#consecutive >= consecutiveFailures) return 'consecutive-failures';
    }
    const window = this.#window;
    if (window === undefined) return undefined;
    window.record(failure, slow, now);
    if ((!failure && !slow) || window.calls < this.#options.minimumCalls) return undefined;
    if (
      failureRateThreshold !== undefined &&
      window.failures >= failureRateThreshold * window.calls
    ) {
      return 'failure-rate';
    }
    if (
      slowCallDurationMs !== undefined &&
      window.slow >= this.#options.slowCallRateThreshold * window.calls
    ) {
      return 'slow-call-rate';
    }
    return undefined;
  }

  reset(): void {
    this.#consecutive = 0;
    this.#window?.reset();
  }

  windowSnapshot(): WindowSnapshot | undefined {
    return this.#window?.snapshot();
  }

  restore(consecutive: number, window: WindowSnapshot | undefined): void {
    this.#consecutive = consecutive;
    if (window) this.#window?.restore(window);
    else this.#window?.reset();
  }
}
