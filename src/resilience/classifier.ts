/**
 * Decides which outcomes count as failures: a breaker records them, a retry retries them, a
 * fallback replaces them. A missing `result` means no returned value is a failure.
 */
export interface Classifier<T = unknown> {
  /** True when a thrown error counts as a failure. */
  error(error: unknown): boolean;
  /** True when a returned value counts as a failure (e.g. an HTTP 503 response). */
  result?(value: T): boolean;
}

/** The HTTP status an error or a response carries (`status` or `statusCode`), if any. */
export function statusOf(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { status, statusCode } = value as { status?: unknown; statusCode?: unknown };
  if (typeof status === 'number') return status;
  return typeof statusCode === 'number' ? statusCode : undefined;
}

/** 5xx and 429 are the upstream's trouble; every other status is not. */
export function isFailureStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

/** Every error is a failure, except one carrying a 4xx status other than 429 (a caller mistake). */
export function isFailureError(error: unknown): boolean {
  const status = statusOf(error);
  return status === undefined || status < 400 || isFailureStatus(status);
}

/** Errors as in `isFailureError`; returned values never fail. */
export const DEFAULT_CLASSIFIER: Classifier = Object.freeze({ error: isFailureError });

/** For HTTP calls: errors as in `isFailureError`, and responses with status 5xx or 429. */
export const HTTP_CLASSIFIER: Classifier = Object.freeze({
  error: isFailureError,
  result: (value: unknown) => {
    const status = statusOf(value);
    return status !== undefined && isFailureStatus(status);
  },
});
