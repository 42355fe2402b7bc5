import type { BreakwaterError } from '../errors/breakwater-error.js';
import {
  type BreakerState,
  type BreakerStats,
  type BreakerTransition,
  Listeners,
  type TransitionReason,
} from './breaker-events.js';
import {
  type CircuitBreakerOptions,
  openDuration,
  type ResolvedBreakerOptions,
  resolveBreakerOptions,
} from './breaker-options.js';
import { FailureRules } from './breaker-rules.js';
import { type BreakerSnapshot, validateSnapshot } from './breaker-snapshot.js';
import { withDeadline } from './deadline.js';
import { brokenCircuitError, timeoutError } from './errors.js';
import type { Policy, PolicyFn } from './policy.js';
import { neverAborted } from './signal.js';

// How a call ended, as #settle sees it.
const SUCCESS = 0;
const FAILURE = 1;
const IGNORED = 2;
const PROBE_TIMEOUT = 3;
type Outcome = typeof SUCCESS | typeof FAILURE | typeof IGNORED | typeof PROBE_TIMEOUT;

/**
 * A circuit breaker: CLOSED lets calls through and counts failures (consecutive, or a rate
 * over a count or time window, plus slow calls); OPEN rejects them for the open duration;
 * HALF_OPEN lets `halfOpenMaxCalls` probes through at a time, closes after
 * `successThreshold` successes and reopens on a failure or a probe that outlives
 * `probeTimeoutMs`. FORCED_OPEN and DISABLED hold it open or closed for an operator.
 *
 * The CLOSED path is one async frame: it reads the clock only when a time window or slow-call
 * rule needs it and allocates nothing else; results of calls admitted before a transition
 * are ignored.
 */
export class CircuitBreaker<Alt = never> implements Policy<Alt> {
  readonly name: string;
  readonly options: ResolvedBreakerOptions<Alt>;
  readonly stats: BreakerStats = {
    successes: 0,
    failures: 0,
    slowCalls: 0,
    rejections: 0,
    ignored: 0,
  };
  readonly #rules: FailureRules;
  readonly #timed: boolean;
  readonly #listeners = new Listeners<BreakerTransition>();
  #state: BreakerState = 'CLOSED';
  #reason: TransitionReason = 'created';
  #since: number;
  #generation = 0;
  #openUntil = 0;
  #openCount = 0;
  #probes = 0;
  #probeSuccesses = 0;

  constructor(options: CircuitBreakerOptions<Alt>) {
    this.options = resolveBreakerOptions(options);
    this.name = this.options.name;
    const { window, slowCallDurationMs } = this.options;
    this.#rules = new FailureRules(this.options);
    this.#timed = window?.kind === 'time' || slowCallDurationMs !== undefined;
    this.#since = this.options.clock.now();
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** When the breaker entered its state (clock ms). */
  get since(): number {
    return this.#since;
  }

  /** Why the breaker is in its state. */
  get reason(): TransitionReason {
    return this.#reason;
  }

  /** Milliseconds until OPEN lets a probe through; undefined unless OPEN. */
  retryAfterMs(): number | undefined {
    if (this.#state !== 'OPEN') return undefined;
    return Math.max(0, this.#openUntil - this.options.clock.now());
  }

  /** Runs `fn` if the breaker lets it through; else throws BW_BREAKER_OPEN (or runs `fallback`). */
  execute<T>(fn: PolicyFn<T>, signal: AbortSignal = neverAborted()): Promise<T | Alt> {
    if (this.#state === 'CLOSED') return this.#run(fn, signal, this.#generation);
    switch (this.#state) {
      case 'DISABLED':
        return this.#run(fn, signal, -1);
      case 'OPEN':
        if (this.options.clock.now() < this.#openUntil) return this.#reject(signal);
        this.#transition('HALF_OPEN', 'open-elapsed');
        return this.#probe(fn, signal); // the first probe of the new HALF_OPEN
      case 'HALF_OPEN':
        return this.#probes < this.options.halfOpenMaxCalls
          ? this.#probe(fn, signal)
          : this.#reject(signal);
      default:
        return this.#reject(signal);
    }
  }

  /** Registers a listener for every transition; returns the function that removes it. */
  onStateChange(listener: (event: BreakerTransition) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** Holds the breaker OPEN (FORCED_OPEN) until `forceClose` or `reset`. */
  forceOpen(): void {
    this.#transition('FORCED_OPEN', 'forced-open');
  }

  /** Holds the breaker closed (DISABLED): every call passes and nothing is counted. */
  forceClose(): void {
    this.#transition('DISABLED', 'forced-closed');
  }

  /** Back to CLOSED with empty counts, whatever the state (also ends FORCED_OPEN/DISABLED). */
  reset(): void {
    this.#transition('CLOSED', 'reset');
  }

  /**
   * Opens a CLOSED or HALF_OPEN breaker as if its failures had tripped it (the open duration
   * and recovery apply). Used by the cluster rule; false when the state did not allow it.
   */
  trip(reason: 'tripped' | 'cluster' = 'tripped'): boolean {
    if (this.#state !== 'CLOSED' && this.#state !== 'HALF_OPEN') return false;
    this.#transition('OPEN', reason);
    return true;
  }

  snapshot(): BreakerSnapshot {
    const snapshot: BreakerSnapshot = {
      version: 1,
      name: this.name,
      state: this.#state,
      reason: this.#reason,
      since: this.#since,
      openUntil: this.#openUntil,
      openCount: this.#openCount,
      consecutiveFailures: this.#rules.consecutiveFailures,
      probeSuccesses: this.#probeSuccesses,
    };
    const window = this.#rules.windowSnapshot();
    if (window) snapshot.window = window;
    return snapshot;
  }

  /** Takes over a snapshot (validated); emits a `restored` transition when the state changes. */
  restore(value: BreakerSnapshot): void {
    const snapshot = validateSnapshot(value);
    const from = this.#state;
    this.#generation++;
    this.#state = snapshot.state;
    this.#reason = snapshot.reason;
    this.#since = snapshot.since;
    this.#openUntil = snapshot.openUntil;
    this.#openCount = snapshot.openCount;
    this.#probeSuccesses = snapshot.probeSuccesses;
    this.#probes = 0;
    this.#rules.restore(snapshot.consecutiveFailures, snapshot.window);
    if (from !== snapshot.state) {
      this.#emit(from, 'restored', this.options.clock.now());
    }
  }

  async #run<T>(fn: PolicyFn<T>, signal: AbortSignal, generation: number): Promise<T> {
    if (signal.aborted) throw signal.reason;
    const started = this.#timed ? this.options.clock.now() : 0;
    let value: T;
    try {
      value = await fn(signal);
    } catch (error) {
      const outcome = signal.aborted
        ? IGNORED
        : this.options.classifier.error(error)
          ? FAILURE
          : SUCCESS;
      this.#settle(generation, started, outcome);
      throw error;
    }
    const failed = this.options.classifier.result?.(value) === true;
    this.#settle(generation, started, failed ? FAILURE : SUCCESS);
    return value;
  }

  async #probe<T>(fn: PolicyFn<T>, signal: AbortSignal): Promise<T> {
    if (signal.aborted) throw signal.reason;
    this.#probes++;
    const generation = this.#generation;
    const { clock, probeTimeoutMs, classifier } = this.options;
    const started = clock.now();
    let timedOut: BreakwaterError | undefined;
    try {
      const value = await withDeadline(fn, signal, probeTimeoutMs, clock, () => {
        timedOut = timeoutError(
          `half-open probe of circuit breaker "${this.name}"`,
          probeTimeoutMs,
        );
        return timedOut;
      });
      this.#settle(generation, started, classifier.result?.(value) === true ? FAILURE : SUCCESS);
      return value;
    } catch (error) {
      const outcome =
        timedOut !== undefined && error === timedOut
          ? PROBE_TIMEOUT
          : signal.aborted
            ? IGNORED
            : classifier.error(error)
              ? FAILURE
              : SUCCESS;
      this.#settle(generation, started, outcome);
      throw error;
    }
  }

  async #reject(signal: AbortSignal): Promise<Alt> {
    if (signal.aborted) throw signal.reason;
    this.stats.rejections++;
    const error = brokenCircuitError(this.name, this.#state, this.retryAfterMs());
    if (this.options.fallback === undefined) throw error;
    return this.options.fallback(error, signal);
  }

  #settle(generation: number, started: number, outcome: Outcome): void {
    const { stats, options } = this;
    if (outcome === IGNORED) {
      stats.ignored++;
      if (generation === this.#generation && this.#state === 'HALF_OPEN') this.#probes--;
      return;
    }
    const now = this.#timed ? options.clock.now() : 0;
    const slow =
      options.slowCallDurationMs !== undefined && now - started >= options.slowCallDurationMs;
    if (outcome === SUCCESS) stats.successes++;
    else stats.failures++;
    if (slow) stats.slowCalls++;
    if (generation !== this.#generation) return;
    if (this.#state === 'HALF_OPEN') {
      this.#probes--;
      if (outcome === PROBE_TIMEOUT) this.#transition('OPEN', 'probe-timeout');
      else if (outcome === FAILURE) this.#transition('OPEN', 'probe-failed');
      else if (slow) this.#transition('OPEN', 'probe-slow');
      else if (++this.#probeSuccesses >= options.successThreshold) {
        this.#transition('CLOSED', 'probes-succeeded');
      }
      return;
    }
    const tripped = this.#rules.record(outcome !== SUCCESS, slow, now);
    if (tripped !== undefined) this.#transition('OPEN', tripped);
  }

  #transition(to: BreakerState, reason: TransitionReason): void {
    const from = this.#state;
    const now = this.options.clock.now();
    this.#state = to;
    this.#reason = reason;
    this.#since = now;
    this.#generation++;
    this.#probes = 0;
    this.#probeSuccesses = 0;
    if (to === 'OPEN') {
      this.#openCount++;
      this.#openUntil = now + openDuration(this.options, this.#openCount);
    } else if (to !== 'HALF_OPEN') {
      this.#rules.reset();
      this.#openCount = 0;
      this.#openUntil = 0;
    }
    if (from !== to) this.#emit(from, reason, now);
  }

  #emit(from: BreakerState, reason: TransitionReason, at: number): void {
    const event: BreakerTransition = { breaker: this.name, from, to: this.#state, reason, at };
    if (this.#state === 'OPEN') event.openUntil = this.#openUntil;
    this.#listeners.emit(event);
  }
}
