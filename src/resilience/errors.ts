import { BreakwaterError, hasCode } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';

/**
 * The error a breaker raises for a call it does not let through (OPEN, FORCED_OPEN, or
 * HALF_OPEN with every probe slot taken). Carries `Retry-After` when the breaker knows when
 * it will let a probe through.
 */
export function brokenCircuitError(
  name: string,
  state: string,
  retryAfterMs: number | undefined,
): BreakwaterError {
  const headers: Record<string, string> = {};
  if (retryAfterMs !== undefined) {
    headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
  }
  return new BreakwaterError(errors.BREAKER_OPEN, `circuit breaker "${name}" is ${state}`, {
    extensions: { breaker: name, state },
    headers,
  });
}

/** Why a bulkhead turned a call away. */
export type BulkheadRejection = 'queue-full' | 'queue-timeout';

export function bulkheadRejectedError(
  name: string,
  reason: BulkheadRejection,
  detail: string,
): BreakwaterError {
  return new BreakwaterError(errors.BULKHEAD_REJECTED, `bulkhead "${name}": ${detail}`, {
    extensions: { bulkhead: name, reason },
  });
}

export function timeoutError(what: string, ms: number): BreakwaterError {
  return new BreakwaterError(errors.TIMEOUT, `${what} did not finish within ${ms} ms`, {
    extensions: { timeoutMs: ms },
  });
}

export function retryExhaustedError(name: string, attempts: number, cause: unknown) {
  const last = cause instanceof Error ? cause.message : String(cause);
  return new BreakwaterError(
    errors.RETRY_EXHAUSTED,
    `retry "${name}" gave up after ${attempts} attempt(s): ${last.split('\n')[0]}`,
    { cause, extensions: { attempts } },
  );
}

/** True for a breaker rejection, from this copy of the package or another. */
export const isBrokenCircuitError = (error: unknown): error is BreakwaterError =>
  hasCode(error, errors.BREAKER_OPEN);
export const isBulkheadRejectedError = (error: unknown): error is BreakwaterError =>
  hasCode(error, errors.BULKHEAD_REJECTED);
export const isTimeoutError = (error: unknown): error is BreakwaterError =>
  hasCode(error, errors.TIMEOUT);
export const isRetryExhaustedError = (error: unknown): error is BreakwaterError =>
  hasCode(error, errors.RETRY_EXHAUSTED);
