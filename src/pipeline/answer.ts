import { isBreakwaterError } from '../errors/breakwater-error.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../errors/problem.js';
import type { RequestScope } from './request-scope.js';

/** A framework-neutral response: adapters copy it onto their reply. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The problem+json answer for an error: our errors keep code, status, detail and headers;
 * anything else is an opaque 500. `instance` is the path without its query; the trace id is
 * added so a caller can quote it. The error is recorded on the scope for the log line.
 */
export function problemAnswer(
  error: unknown,
  options: { path?: string; scope?: RequestScope } = {},
): HttpAnswer {
  const instance = options.path?.split('?')[0];
  const problem = toProblem(error, instance);
  if (options.scope) {
    problem.traceId = options.scope.context.traceId;
    options.scope.recordError(error);
  }
  const headers: Record<string, string> = {
    ...(isBreakwaterError(error) ? lowerKeys(error.headers) : {}),
    'content-type': PROBLEM_CONTENT_TYPE,
    'cache-control': 'no-store',
  };
  return { status: problem.status, headers, body: JSON.stringify(problem) };
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
