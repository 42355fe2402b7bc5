import type { HealthCheck, HealthCheckResult } from '../pipeline/health-check.js';
import type { CircuitBreaker } from './breaker.js';
import type { BreakerRegistry } from './registry.js';

/** States that make a breaker's health check warn. */
const WARN_STATES = new Set(['OPEN', 'HALF_OPEN', 'FORCED_OPEN']);

/**
 * A non-critical health check named `breaker:<name>`: `warn` while the breaker is OPEN,
 * HALF_OPEN or FORCED_OPEN, `pass` otherwise, with the state as `observedValue`. An open
 * breaker degrades /health but never fails /ready: the fallback is doing its job.
 */
export function breakerHealthCheck(breaker: CircuitBreaker<unknown>): HealthCheck {
  return {
    name: `breaker:${breaker.name}`,
    componentType: 'circuit-breaker',
    critical: false,
    check: async (): Promise<HealthCheckResult> => {
      const state = breaker.state;
      const retryAfterMs = breaker.retryAfterMs();
      const next =
        retryAfterMs === undefined ? '' : `; next probe in ${Math.ceil(retryAfterMs / 1000)} s`;
      return {
        status: WARN_STATES.has(state) ? 'warn' : 'pass',
        observedValue: state,
        output: `circuit breaker "${breaker.name}" is ${state} (${breaker.reason})${next}`,
      };
    },
  };
}

/**
 * Adds a check for every breaker of `registry`, now and as they are made, to `target`
 * (a Pipeline). Returns the function that stops adding new ones.
 */
export function addBreakerChecks(
  target: { addCheck(check: HealthCheck): void },
  registry: BreakerRegistry,
): () => void {
  return registry.each((breaker) => target.addCheck(breakerHealthCheck(breaker)));
}
