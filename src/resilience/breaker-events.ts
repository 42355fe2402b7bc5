/** The states of a circuit breaker; FORCED_OPEN and DISABLED are set by an operator only. */
export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN' | 'FORCED_OPEN' | 'DISABLED';

export const BREAKER_STATES: readonly BreakerState[] = Object.freeze([
  'CLOSED',
  'OPEN',
  'HALF_OPEN',
  'FORCED_OPEN',
  'DISABLED',
]);

/** Why a breaker moved. */
export type TransitionReason =
  | 'created'
  | 'consecutive-failures'
  | 'failure-rate'
  | 'slow-call-rate'
  | 'open-elapsed'
  | 'probe-failed'
  | 'probe-timeout'
  | 'probe-slow'
  | 'probes-succeeded'
  /** `trip()`: opened from outside, e.g. by the cluster rule. */
  | 'tripped'
  | 'cluster'
  | 'forced-open'
  | 'forced-closed'
  | 'reset'
  | 'restored';

/** One state change, as the listeners of `onStateChange` receive it. */
export interface BreakerTransition {
  breaker: string;
  from: BreakerState;
  to: BreakerState;
  reason: TransitionReason;
  /** Clock reading, epoch ms. */
  at: number;
  /** When OPEN lets the next probe through (set when `to` is OPEN). */
  openUntil?: number;
}

/**
 * A plain listener list (no EventEmitter): `add` returns the function that removes it. A
 * listener that throws is skipped; it can never break the call that caused the event.
 */
export class Listeners<E> {
  #list: Array<(event: E) => void> = [];

  add(listener: (event: E) => void): () => void {
    this.#list = [...this.#list, listener];
    return () => {
      this.#list = this.#list.filter((l) => l !== listener);
    };
  }

  emit(event: E): void {
    for (const listener of this.#list) {
      try {
        listener(event);
      } catch {
        // a listener's failure is its own; the breaker carries on
      }
    }
  }
}

/** Running totals since the breaker was made; metrics read them at scrape time. */
export interface BreakerStats {
  successes: number;
  failures: number;
  slowCalls: number;
  /** Calls turned away (OPEN, FORCED_OPEN, HALF_OPEN full). */
  rejections: number;
  /** Calls the caller aborted: neither success nor failure. */
  ignored: number;
}
