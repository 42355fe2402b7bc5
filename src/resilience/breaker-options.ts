import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { exponentialDelay } from './backoff.js';
import { type Classifier, DEFAULT_CLASSIFIER } from './classifier.js';
import { type Clock, DEFAULT_CLOCK } from './clock.js';

/** The sliding window the rate rules look at: the last `size` calls, or the last `durationMs`. */
export type WindowOptions =
  | { kind: 'count'; size: number }
  /** `buckets` slices of `durationMs / buckets` each; default 10. */
  | { kind: 'time'; durationMs: number; buckets?: number };

export interface CircuitBreakerOptions<Alt = never> {
  /** Names the breaker in errors, events, metrics, health checks and the cluster. */
  name: string;
  /**
   * Opens after this many failures in a row. Default 5 when no rate rule is set, else off;
   * `false` turns it off.
   */
  consecutiveFailures?: number | false;
  /** Window for the rate rules; default `{ kind: 'count', size: 100 }` when a rate rule is set. */
  window?: WindowOptions;
  /** Opens when failures / calls in the window reach this (0..1); default 0.5 with a window. */
  failureRateThreshold?: number;
  /** The rate rules wait for this many calls in the window; default 10. */
  minimumCalls?: number;
  /** A call at least this slow is a slow call; default off. */
  slowCallDurationMs?: number;
  /** Opens when slow calls / calls in the window reach this (0..1); default 1. */
  slowCallRateThreshold?: number;
  /** How long OPEN lasts before a probe may pass; default 30 s. */
  openDurationMs?: number;
  /** Grow the open duration on every reopen without a close in between: x multiplier, capped. */
  openBackoff?: { multiplier?: number; maxDurationMs: number };
  /** Probes in flight at once in HALF_OPEN; others are rejected. Default 1. */
  halfOpenMaxCalls?: number;
  /** Successful probes that close the breaker; default 3. */
  successThreshold?: number;
  /** A probe still running after this fails (and is aborted), so HALF_OPEN cannot wedge; default 10 s. */
  probeTimeoutMs?: number;
  /** What counts as a failure; default DEFAULT_CLASSIFIER (use HTTP_CLASSIFIER for responses). */
  classifier?: Classifier;
  /** Answers a rejected call instead of throwing BW_BREAKER_OPEN. */
  fallback?: (error: BreakwaterError, signal: AbortSignal) => Alt | PromiseLike<Alt>;
  clock?: Clock;
}

export const DEFAULT_CONSECUTIVE_FAILURES = 5;
export const DEFAULT_WINDOW: WindowOptions = Object.freeze({ kind: 'count', size: 100 });
export const DEFAULT_TIME_WINDOW_BUCKETS = 10;
export const DEFAULT_FAILURE_RATE_THRESHOLD = 0.5;
export const DEFAULT_MINIMUM_CALLS = 10;
export const DEFAULT_SLOW_CALL_RATE_THRESHOLD = 1;
export const DEFAULT_OPEN_DURATION_MS = 30_000;
export const DEFAULT_OPEN_BACKOFF_MULTIPLIER = 2;
export const DEFAULT_HALF_OPEN_MAX_CALLS = 1;
export const DEFAULT_SUCCESS_THRESHOLD = 3;
export const DEFAULT_PROBE_TIMEOUT_MS = 10_000;

/** Every option filled in and checked. */
export interface ResolvedBreakerOptions<Alt> {
  name: string;
  consecutiveFailures: number | undefined;
  window: WindowOptions | undefined;
  failureRateThreshold: number | undefined;
  minimumCalls: number;
  slowCallDurationMs: number | undefined;
  slowCallRateThreshold: number;
  openDurationMs: number;
  openBackoff: { multiplier: number; maxDurationMs: number } | undefined;
  halfOpenMaxCalls: number;
  successThreshold: number;
  probeTimeoutMs: number;
  classifier: Classifier;
  fallback: CircuitBreakerOptions<Alt>['fallback'];
  clock: Clock;
}

function invalid(name: string, detail: string): never {
  throw new BreakwaterError(errors.CONFIG_INVALID, `circuit breaker "${name}": ${detail}`);
}

function check(
  name: string,
  option: string,
  value: number | undefined,
  min: number,
  max = Infinity,
) {
  if (value !== undefined && !(Number.isFinite(value) && value >= min && value <= max)) {
    invalid(name, `${option} must be a number from ${min}${max === Infinity ? '' : ` to ${max}`}`);
  }
}

/** Fills in defaults and validates once, naming the bad option. */
export function resolveBreakerOptions<Alt>(
  options: CircuitBreakerOptions<Alt>,
): ResolvedBreakerOptions<Alt> {
  const name = options?.name;
  if (typeof name !== 'string' || name.trim() === '') {
    throw new BreakwaterError(errors.CONFIG_INVALID, 'circuit breaker: name must be non-empty');
  }
  const rateRule =
    options.window !== undefined ||
    options.failureRateThreshold !== undefined ||
    options.slowCallDurationMs !== undefined;
  const window = rateRule ? (options.window ?? DEFAULT_WINDOW) : undefined;
  const consecutive =
    options.consecutiveFailures === false
      ? undefined
      : (options.consecutiveFailures ?? (rateRule ? undefined : DEFAULT_CONSECUTIVE_FAILURES));
  check(name, 'consecutiveFailures', consecutive, 1);
  if (window?.kind === 'count') check(name, 'window.size', window.size, 1, 1_000_000);
  if (window?.kind === 'time') {
    check(name, 'window.durationMs', window.durationMs, 1);
    check(name, 'window.buckets', window.buckets, 1, 10_000);
  }
  if (window !== undefined && window.kind !== 'count' && window.kind !== 'time') {
    invalid(name, 'window.kind must be "count" or "time"');
  }
  const failureRateThreshold =
    window === undefined
      ? undefined
      : (options.failureRateThreshold ?? DEFAULT_FAILURE_RATE_THRESHOLD);
  check(name, 'failureRateThreshold', failureRateThreshold, 0.0001, 1);
  check(name, 'slowCallRateThreshold', options.slowCallRateThreshold, 0.0001, 1);
  for (const key of ['minimumCalls', 'halfOpenMaxCalls', 'successThreshold'] as const) {
    check(name, key, options[key], 1);
  }
  for (const key of ['slowCallDurationMs', 'openDurationMs', 'probeTimeoutMs'] as const) {
    check(name, key, options[key], 0);
  }
  if (consecutive === undefined && window === undefined) {
    invalid(name, 'no failure rule: set consecutiveFailures, a window or a threshold');
  }
  const openDurationMs = options.openDurationMs ?? DEFAULT_OPEN_DURATION_MS;
  let openBackoff: ResolvedBreakerOptions<Alt>['openBackoff'];
  if (options.openBackoff !== undefined) {
    const multiplier = options.openBackoff.multiplier ?? DEFAULT_OPEN_BACKOFF_MULTIPLIER;
    check(name, 'openBackoff.multiplier', multiplier, 1);
    check(name, 'openBackoff.maxDurationMs', options.openBackoff.maxDurationMs, openDurationMs);
    openBackoff = { multiplier, maxDurationMs: options.openBackoff.maxDurationMs };
  }
  return {
    name,
    consecutiveFailures: consecutive,
    window,
    failureRateThreshold,
    minimumCalls: options.minimumCalls ?? DEFAULT_MINIMUM_CALLS,
    slowCallDurationMs: options.slowCallDurationMs,
    slowCallRateThreshold: options.slowCallRateThreshold ?? DEFAULT_SLOW_CALL_RATE_THRESHOLD,
    openDurationMs,
    openBackoff,
    halfOpenMaxCalls: options.halfOpenMaxCalls ?? DEFAULT_HALF_OPEN_MAX_CALLS,
    successThreshold: options.successThreshold ?? DEFAULT_SUCCESS_THRESHOLD,
    probeTimeoutMs: options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
    classifier: options.classifier ?? DEFAULT_CLASSIFIER,
    fallback: options.fallback,
    clock: options.clock ?? DEFAULT_CLOCK,
  };
}

/** How long the `openCount`-th open in a row lasts: fixed, or grown by the backoff and capped. */
export function openDuration(options: ResolvedBreakerOptions<unknown>, openCount: number): number {
  const { openDurationMs, openBackoff } = options;
  return openBackoff === undefined
    ? openDurationMs
    : exponentialDelay(
        openCount,
        openDurationMs,
        openBackoff.multiplier,
        openBackoff.maxDurationMs,
      );
}
