import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { CircuitBreaker } from './breaker.js';
import { Listeners } from './breaker-events.js';
import type { CircuitBreakerOptions } from './breaker-options.js';
import { type Clock, DEFAULT_CLOCK } from './clock.js';
import type { PolicyFn } from './policy.js';
import { BREAKER_PRESETS, type BreakerPreset, presetFor } from './presets.js';
import { neverAborted } from './signal.js';

/** Options every breaker of a registry gets, under its preset and its own. */
export type BreakerDefaults = Partial<Omit<CircuitBreakerOptions, 'name' | 'fallback'>>;

export interface BreakerRegistryOptions {
  /** Replaces BREAKER_PRESETS. */
  presets?: Readonly<Record<string, BreakerPreset>>;
  defaults?: BreakerDefaults;
  clock?: Clock;
}

/** Names allowed for breakers: they travel in URLs, store keys and metric labels. */
export const BREAKER_NAME = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;

export function checkBreakerName(name: string): string {
  if (typeof name !== 'string' || !BREAKER_NAME.test(name)) {
    throw new BreakwaterError(
      errors.CONFIG_INVALID,
      `breaker name "${String(name).slice(0, 140)}" must match ${BREAKER_NAME.source}`,
    );
  }
  return name;
}

/**
 * The named breakers of a process. `get(name)` makes a breaker on first use from, in this
 * order, the registry defaults, the preset the name selects and the options given; later
 * calls return the same breaker. Metrics, health checks, the cluster and the admin routes
 * find breakers here, including ones made later (`onCreate`).
 */
export class BreakerRegistry {
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #created = new Listeners<CircuitBreaker>();
  readonly #options: BreakerRegistryOptions;

  constructor(options: BreakerRegistryOptions = {}) {
    this.#options = options;
  }

  get(name: string, options: BreakerDefaults = {}): CircuitBreaker {
    const existing = this.#breakers.get(name);
    if (existing) return existing;
    checkBreakerName(name);
    const breaker = new CircuitBreaker({
      clock: this.#options.clock ?? DEFAULT_CLOCK,
      ...this.#options.defaults,
      ...presetFor(name, this.#options.presets ?? BREAKER_PRESETS),
      ...options,
      name,
    });
    this.#breakers.set(name, breaker);
    this.#created.emit(breaker);
    return breaker;
  }

  find(name: string): CircuitBreaker | undefined {
    return this.#breakers.get(name);
  }

  list(): CircuitBreaker[] {
    return [...this.#breakers.values()];
  }

  /** Calls `listener` for every breaker made from now on; returns the remover. */
  onCreate(listener: (breaker: CircuitBreaker) => void): () => void {
    return this.#created.add(listener);
  }

  /** Calls `listener` for every breaker there is and every one made later. */
  each(listener: (breaker: CircuitBreaker) => void): () => void {
    for (const breaker of this.#breakers.values()) listener(breaker);
    return this.onCreate(listener);
  }

  /** `callWithCircuitBreaker` on this registry. */
  call<T, F = never>(
    name: string,
    fn: PolicyFn<T>,
    fallback?: (error: unknown, signal: AbortSignal) => F | PromiseLike<F>,
    signal: AbortSignal = neverAborted(),
  ): Promise<T | F> {
    const run = this.get(name).execute(fn, signal);
    if (fallback === undefined) return run;
    return run.catch((error: unknown) => {
      if (signal.aborted) throw error;
      return fallback(error, signal);
    });
  }
}

let shared: BreakerRegistry | undefined;

/** The process-wide registry `callWithCircuitBreaker` uses by default; made on first use. */
export function defaultBreakerRegistry(): BreakerRegistry {
  shared ??= new BreakerRegistry();
  return shared;
}

/**
 * The simple case: runs `fn` through the breaker called `name` (made on first use, from the
 * preset the name selects, else the defaults). `fallback`, when given, answers instead of
 * any error: a rejection by the open breaker or a failure of `fn` (not a caller's abort).
 */
export function callWithCircuitBreaker<T, F = never>(
  name: string,
  fn: PolicyFn<T>,
  fallback?: (error: unknown, signal: AbortSignal) => F | PromiseLike<F>,
  options: { registry?: BreakerRegistry; signal?: AbortSignal } = {},
): Promise<T | F> {
  return (options.registry ?? defaultBreakerRegistry()).call(name, fn, fallback, options.signal);
}
