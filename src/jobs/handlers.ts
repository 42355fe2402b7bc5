import type { BackoffFunction, BackoffOptions } from './backoff.js';
import type { Job } from './job.js';
import { configInvalid } from './problems.js';

/** The logger a handler gets: the subset of pino's Logger that jobs use. */
export interface JobLogger {
  debug(objOrMsg: unknown, msg?: string): void;
  info(objOrMsg: unknown, msg?: string): void;
  warn(objOrMsg: unknown, msg?: string): void;
  error(objOrMsg: unknown, msg?: string): void;
  child(bindings: Record<string, unknown>): JobLogger;
}

/** A logger that drops everything: the default when none is given. */
export const SILENT_LOGGER: JobLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => SILENT_LOGGER,
};

/** What a handler receives besides its payload. */
export interface JobContext<Payload = unknown> {
  /** The job as claimed; `job.attempts` is this attempt's number. */
  job: Job<Payload>;
  /** Aborts on timeout, cancel, lost lease or shutdown; `signal.reason` says which. */
  signal: AbortSignal;
  /** Records progress (any number, e.g. 0..100) on the job; writes are coalesced. */
  progress(value: number): Promise<void>;
  /** Carries jobId, job, queue, attempt and the job's traceId with a span for this attempt. */
  logger: JobLogger;
  /** W3C traceparent of this attempt's span, to propagate to outgoing calls. */
  traceparent: string;
}

/**
 * Runs one job. Its return value (JSON) is stored as the job's result; a throw (or a
 * rejected promise) fails the attempt. Delivery is at least once: make side effects
 * idempotent, e.g. keyed by `context.job.id`.
 */
export type JobHandler<Payload = never, Result = unknown> = (
  payload: Payload,
  context: JobContext<Payload>,
) => Result | Promise<Result>;

/** A handler with per-name settings. */
export interface HandlerDefinition<Payload = never> {
  handler: JobHandler<Payload>;
  /** Backoff for this job name when a job was enqueued without one. */
  backoff?: BackoffOptions | BackoffFunction;
  /** Timeout for this job name when a job was enqueued without one. */
  timeoutMs?: number;
}

/** Handlers by job name. */
export type JobHandlers = Record<string, JobHandler | HandlerDefinition>;

export interface ResolvedHandler {
  run: (payload: unknown, context: JobContext) => unknown;
  backoff: BackoffOptions | BackoffFunction | undefined;
  timeoutMs: number | undefined;
}

/** Normalises handler registrations; a malformed one is a configuration error at startup. */
export function resolveHandlers(handlers: JobHandlers): Map<string, ResolvedHandler> {
  if (typeof handlers !== 'object' || handlers === null) {
    configInvalid('createWorker', 'handlers must be an object of job name -> handler');
  }
  const resolved = new Map<string, ResolvedHandler>();
  for (const [name, entry] of Object.entries(handlers)) {
    const definition = typeof entry === 'function' ? { handler: entry } : entry;
    if (typeof definition?.handler !== 'function') {
      configInvalid('createWorker', `handler "${name}" is not a function or { handler }`);
    }
    const timeoutMs = definition.timeoutMs;
    if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
      configInvalid('createWorker', `handler "${name}": timeoutMs must be a positive integer`);
    }
    resolved.set(name, {
      run: definition.handler as (payload: unknown, context: JobContext) => unknown,
      backoff: definition.backoff,
      timeoutMs,
    });
  }
  if (resolved.size === 0) configInvalid('createWorker', 'register at least one handler');
  return resolved;
}
