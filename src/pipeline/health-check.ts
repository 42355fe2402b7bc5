import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { Store } from '../store/types.js';

export type HealthStatus = 'pass' | 'warn' | 'fail';

/** What a check may report; returning nothing (or resolving) means pass. */
export interface HealthCheckResult {
  status?: HealthStatus;
  observedValue?: unknown;
  observedUnit?: string;
  output?: string;
}

/**
 * A dependency check for /ready and /health. `name` is the report key, `component:measurement`
 * (e.g. `sqlite:responseTime`, `breaker:payments`). A check that throws, or has not answered
 * within `timeoutMs`, fails; a failing check that is not `critical` reports warn instead.
 */
export interface HealthCheck {
  name: string;
  componentId?: string;
  componentType?: string;
  /** Default DEFAULT_CHECK_TIMEOUT_MS. The signal passed to `check` aborts at the deadline. */
  timeoutMs?: number;
  /** Default true. */
  critical?: boolean;
  // biome-ignore lint/suspicious/noConfusingVoidType: lets `async () => {}` be a passing check.
  check(signal: AbortSignal): Promise<HealthCheckResult | void>;
}

/** One entry of the health+json `checks` map. */
export interface CheckOutcome {
  componentId?: string;
  componentType: string;
  observedValue?: unknown;
  observedUnit?: string;
  status: HealthStatus;
  /** ISO 8601. */
  time: string;
  output?: string;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 2_000;
export const DEFAULT_COMPONENT_TYPE = 'component';

/** Rejects a malformed check at registration, so a typo shows at startup, not at a probe. */
export function validateCheck(check: HealthCheck): void {
  const problem =
    typeof check?.name !== 'string' || check.name.trim() === ''
      ? 'a health check needs a non-empty name like "component:measurement"'
      : typeof check.check !== 'function'
        ? `health check "${check.name}" has no check(signal) function`
        : check.timeoutMs !== undefined && !(check.timeoutMs > 0)
          ? `health check "${check.name}": timeoutMs must be a positive number`
          : undefined;
  if (problem) throw new BreakwaterError(errors.CONFIG_INVALID, problem);
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? '').slice(0, 200);
}

/** Runs one check under its deadline; never throws and never outlives `timeoutMs`. */
export async function runCheck(check: HealthCheck, now: () => number): Promise<CheckOutcome> {
  const timeoutMs = check.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  let result: HealthCheckResult;
  try {
    result = (await Promise.race([check.check(controller.signal), deadline])) ?? {};
  } catch (error) {
    result = { status: 'fail', output: firstLine(error) };
  } finally {
    clearTimeout(timer);
  }
  let status: HealthStatus = result.status ?? 'pass';
  if (status === 'fail' && check.critical === false) status = 'warn';
  const outcome: CheckOutcome = {
    componentType: check.componentType ?? DEFAULT_COMPONENT_TYPE,
    status,
    time: new Date(now()).toISOString(),
  };
  if (check.componentId !== undefined) outcome.componentId = check.componentId;
  if (result.observedValue !== undefined) outcome.observedValue = result.observedValue;
  if (result.observedUnit !== undefined) outcome.observedUnit = result.observedUnit;
  if (result.output !== undefined) outcome.output = result.output;
  return outcome;
}

/** The built-in check for a store: `<kind>:responseTime` in ms, from `store.health()`. */
export function storeCheck(store: Store, timeoutMs = DEFAULT_CHECK_TIMEOUT_MS): HealthCheck {
  return {
    name: `${store.kind}:responseTime`,
    componentType: 'datastore',
    timeoutMs,
    check: async (signal) => {
      const health = await store.health({ timeoutMs, signal });
      const result: HealthCheckResult = {
        status: health.ok ? 'pass' : 'fail',
        observedValue: Math.round(health.latencyMs * 1000) / 1000,
        observedUnit: 'ms',
      };
      if (health.error !== undefined) result.output = health.error;
      return result;
    },
  };
}
