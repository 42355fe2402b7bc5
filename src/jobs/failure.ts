import {
  type BackoffFunction,
  type BackoffOptions,
  backoffDelay,
  DEFAULT_BACKOFF,
} from './backoff.js';
import type { Job } from './job.js';
import type { Failure } from './store.js';

/**
 * What a failed attempt leads to: RETRYING after a backoff while attempts remain, else
 * DEAD_LETTER. The job's own backoff (given at enqueue) wins over the handler's, which wins
 * over the default. Pure: time and randomness come in as arguments.
 */
export function afterFailure(
  job: Pick<Job, 'attempts' | 'maxAttempts' | 'backoff'>,
  error: unknown,
  now: number,
  handlerBackoff: BackoffOptions | BackoffFunction | undefined,
  random: () => number = Math.random,
): Failure['next'] {
  if (job.attempts >= job.maxAttempts) return { state: 'dead_letter' };
  const backoff = job.backoff ?? handlerBackoff ?? DEFAULT_BACKOFF;
  const delay =
    typeof backoff === 'function'
      ? backoff(job.attempts, error)
      : backoffDelay(backoff, job.attempts, random);
  const safe = Number.isFinite(delay) && delay > 0 ? Math.round(delay) : 0;
  return { state: 'retrying', runAt: now + safe };
}
