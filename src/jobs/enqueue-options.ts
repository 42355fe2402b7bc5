import { parseTraceparent } from '../pipeline/traceparent.js';
import { type BackoffOptions, backoffProblem } from './backoff.js';
import { Priority, type PriorityName } from './job.js';
import { jobsInvalid } from './problems.js';

export const DEFAULT_QUEUE = 'default';
export const DEFAULT_PRIORITY = Priority.NORMAL;
export const DEFAULT_MAX_ATTEMPTS = 5;
const MAX_NAME_LENGTH = 200;
const MAX_KEY_LENGTH = 500;

/** What a caller may say about one job; every field has a default. */
export interface EnqueueOptions {
  /** Named queue; workers choose the queues they serve. Default "default". */
  queue?: string;
  /** 0..3 or a name (critical, high, normal, low); higher runs first. Default NORMAL (1). */
  priority?: number | PriorityName;
  /** Earliest run time (Date or epoch ms). Default now. */
  runAt?: Date | number;
  /** Run this long from now (instead of `runAt`). */
  delayMs?: number;
  /** Attempts before the job goes to the dead-letter queue. Default 5. */
  maxAttempts?: number;
  /** Alternative to maxAttempts: retries after the first attempt (maxAttempts - 1). */
  maxRetries?: number;
  /** Delay between attempts. Default exponential from 1 s, factor 2, max 1 h, jitter 0.5. */
  backoff?: BackoffOptions;
  /** While a job with this key is pending, processing or retrying, enqueue returns it. */
  dedupeKey?: string;
  /** Abort the attempt after this long (the handler's signal fires; it counts as failed). */
  timeoutMs?: number;
  /** W3C traceparent to carry into the handler's logger; default the queue's provider. */
  traceparent?: string;
}

/** A job row to insert, with defaults applied and the payload serialised. */
export interface NewJob {
  queue: string;
  name: string;
  payload: string;
  priority: number;
  runAt: number;
  maxAttempts: number;
  backoff: string | null;
  timeoutMs: number | null;
  dedupeKey: string | null;
  traceparent: string | null;
  createdAt: number;
}

/** Validates one enqueue and fills in defaults; throws BW_JOBS_INVALID naming the problem. */
export function resolveEnqueue(
  name: string,
  payload: unknown,
  options: EnqueueOptions,
  now: number,
  traceparent: (() => string | undefined) | undefined,
): NewJob {
  checkName('job name', name, MAX_NAME_LENGTH);
  const queue = options.queue ?? DEFAULT_QUEUE;
  checkName('queue', queue, MAX_NAME_LENGTH);
  if (options.runAt !== undefined && options.delayMs !== undefined) {
    jobsInvalid('give runAt or delayMs, not both');
  }
  if (options.maxAttempts !== undefined && options.maxRetries !== undefined) {
    jobsInvalid('give maxAttempts or maxRetries, not both');
  }
  const maxAttempts =
    options.maxRetries !== undefined
      ? options.maxRetries + 1
      : (options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    jobsInvalid('maxAttempts must be an integer >= 1 (maxRetries >= 0)');
  }
  const backoffIssue = options.backoff === undefined ? undefined : backoffProblem(options.backoff);
  if (backoffIssue) jobsInvalid(backoffIssue);
  if (
    options.timeoutMs !== undefined &&
    !(Number.isInteger(options.timeoutMs) && options.timeoutMs > 0)
  ) {
    jobsInvalid('timeoutMs must be a positive integer');
  }
  if (options.dedupeKey !== undefined) checkName('dedupeKey', options.dedupeKey, MAX_KEY_LENGTH);
  const trace = options.traceparent ?? traceparent?.();
  return {
    queue,
    name,
    payload: serialise(payload),
    priority: resolvePriority(options.priority),
    runAt: resolveRunAt(options, now),
    maxAttempts,
    backoff: options.backoff === undefined ? null : JSON.stringify(options.backoff),
    timeoutMs: options.timeoutMs ?? null,
    dedupeKey: options.dedupeKey ?? null,
    traceparent: trace !== undefined && parseTraceparent(trace) ? trace : null,
    createdAt: now,
  };
}

/** A priority number or name as the stored number 0..3. */
export function resolvePriority(priority: number | string | undefined): number {
  if (priority === undefined) return DEFAULT_PRIORITY;
  if (typeof priority === 'string') {
    const value = Priority[priority.toUpperCase() as keyof typeof Priority];
    if (value === undefined)
      jobsInvalid(`priority "${priority}" is not critical, high, normal or low`);
    return value;
  }
  if (!Number.isInteger(priority) || priority < Priority.LOW || priority > Priority.CRITICAL) {
    jobsInvalid(`priority must be an integer from 0 (low) to 3 (critical), got ${priority}`);
  }
  return priority;
}

function resolveRunAt(options: EnqueueOptions, now: number): number {
  if (options.delayMs !== undefined) {
    if (!Number.isFinite(options.delayMs) || options.delayMs < 0) {
      jobsInvalid('delayMs must be a number >= 0');
    }
    return now + Math.round(options.delayMs);
  }
  if (options.runAt === undefined) return now;
  const at = options.runAt instanceof Date ? options.runAt.getTime() : options.runAt;
  if (!Number.isFinite(at)) jobsInvalid('runAt must be a valid Date or epoch milliseconds');
  return Math.round(at);
}

function checkName(what: string, value: unknown, max: number): void {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    jobsInvalid(`${what} must be a non-empty string of at most ${max} characters`);
  }
}

function serialise(payload: unknown): string {
  try {
    return JSON.stringify(payload) ?? 'null';
  } catch (error) {
    return jobsInvalid(`payload is not JSON-serialisable: ${(error as Error).message}`);
  }
}
