import { BreakwaterError } from '../errors/breakwater-error.js';
import { type Problem, toProblem } from '../errors/problem.js';
import { errors } from '../errors/registry.js';
import type { Consumption } from './engine.js';
import { quotaHeaders, resetSeconds } from './headers.js';

/** The problem type the ratelimit-headers draft registers for a refusal. */
export const QUOTA_EXCEEDED_TYPE = 'https://iana.org/assignments/http-problem-types#quota-exceeded';

/** One violated policy as the 429 body details it. */
export interface ViolatedPolicy {
  policy: string;
  limit: number;
  used: number;
  remaining: number;
  /** Seconds until the request would fit (the policy's `t`). */
  reset: number | null;
  /** ISO 8601 of the same moment. */
  resetAt: string | null;
}

/**
 * BW_QUOTA_EXCEEDED (429) for a refused consumption: Retry-After and the RateLimit headers,
 * and `violated-policies` with a detail per policy in the body.
 */
export function quotaExceededError(
  consumption: Consumption,
  options: { partitionKey?: string } = {},
): BreakwaterError {
  const violated = consumption.items.filter((item) => !item.fits);
  const details: ViolatedPolicy[] = violated.map((item) => {
    const reset = resetSeconds(item, consumption.at) ?? null;
    return {
      policy: item.quota,
      limit: item.limit,
      used: item.used,
      remaining: item.remaining,
      reset,
      resetAt: reset === null ? null : new Date(consumption.at + reset * 1000).toISOString(),
    };
  });
  const names = violated.map((item) => item.quota);
  return new BreakwaterError(errors.QUOTA_EXCEEDED, `quota exceeded: ${names.join(', ')}`, {
    extensions: { 'violated-policies': names, policies: details },
    headers: quotaHeaders(consumption, options),
  });
}

/** The problem+json body of a quota error, with the draft's problem type. */
export function quotaProblem(error: BreakwaterError, instance?: string): Problem {
  const problem = toProblem(error, instance);
  if (error.code === errors.QUOTA_EXCEEDED.code) problem.type = QUOTA_EXCEEDED_TYPE;
  return problem;
}
