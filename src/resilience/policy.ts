import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';

/** The work a policy runs: it receives the signal to honour (caller's, linked to deadlines). */
export type PolicyFn<T> = (signal: AbortSignal) => T | PromiseLike<T>;

/**
 * A resilience policy: runs `fn` under its rule. `Alt` is what it may answer instead of
 * `fn`'s value (a fallback's value); `never` for the others.
 */
export interface Policy<Alt = never> {
  execute<T>(fn: PolicyFn<T>, signal?: AbortSignal): Promise<T | Alt>;
}

type AltOf<P> = P extends Policy<infer A> ? A : never;

/** Several policies run as one, the first given outermost. */
export interface WrappedPolicy<Alt = never> extends Policy<Alt> {
  readonly policies: readonly Policy<unknown>[];
}

/**
 * Composes policies, the first outermost, like cockatiel's `wrap`: `wrap(fallback, retry,
 * breaker, timeout).execute(fn)` runs `fallback(retry(breaker(timeout(fn))))`, so every
 * retry attempt passes the breaker and gets its own deadline. The signal flows inwards.
 */
export function wrap<P extends Policy<unknown>[]>(...policies: P): WrappedPolicy<AltOf<P[number]>> {
  if (policies.length === 0) {
    throw new BreakwaterError(errors.CONFIG_INVALID, 'wrap() needs at least one policy');
  }
  const chain = policies.reduceRight<Policy<unknown> | undefined>(
    (inner, outer) => (inner === undefined ? outer : pair(outer, inner)),
    undefined,
  ) as Policy<unknown>;
  return {
    policies,
    execute: chain.execute.bind(chain) as WrappedPolicy<AltOf<P[number]>>['execute'],
  };
}

function pair(outer: Policy<unknown>, inner: Policy<unknown>): Policy<unknown> {
  return {
    execute: (fn, signal) => outer.execute((s) => inner.execute(fn, s), signal),
  };
}
