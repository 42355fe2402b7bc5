import { BreakwaterError, isBreakwaterError } from './breakwater-error.js';
import { errors } from './registry.js';

/** The RFC 9457 problem details body. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const PROBLEM_TYPE_BASE = 'https://breakwater.dev/problems/';

/** `BW_MIGRATE_LOCK_TIMEOUT` -> `https://breakwater.dev/problems/migrate-lock-timeout`. */
export function problemType(code: string): string {
  return PROBLEM_TYPE_BASE + code.replace(/^BW_/, '').toLowerCase().replaceAll('_', '-');
}

/**
 * Turns any thrown value into a problem body. Our errors keep their code, status and detail;
 * anything else becomes an opaque 500 so no stack trace or internal message leaks.
 */
export function toProblem(error: unknown, instance?: string): Problem {
  const known: BreakwaterError = isBreakwaterError(error)
    ? error
    : new BreakwaterError(errors.HTTP_INTERNAL, 'The server could not complete the request.');
  const problem: Problem = {
    ...known.extensions,
    type: problemType(known.code),
    title: known.title,
    status: known.status,
    detail: known.message,
    code: known.code,
  };
  if (instance !== undefined) problem.instance = instance;
  return problem;
}
