import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';

/** Throws BW_JOBS_INVALID (400) with a one-line reason. */
export function jobsInvalid(detail: string): never {
  throw new BreakwaterError(errors.JOBS_INVALID, detail);
}

/** Throws BW_CONFIG_INVALID for a bad worker, scheduler or queue option. */
export function configInvalid(where: string, detail: string): never {
  throw new BreakwaterError(errors.CONFIG_INVALID, `${where}: ${detail}`);
}

export function jobNotFound(id: string): BreakwaterError {
  return new BreakwaterError(errors.JOBS_NOT_FOUND, `no job with id ${JSON.stringify(id)}`);
}

export function invalidState(id: string, state: string, action: string): BreakwaterError {
  return new BreakwaterError(
    errors.JOBS_INVALID_STATE,
    `job ${id} is ${state}; cannot ${action} it`,
    { extensions: { state } },
  );
}

/** Why a handler's signal was aborted; the reason the handler sees as `signal.reason`. */
export const abortReasons = {
  timeout: (ms: number) => new BreakwaterError(errors.JOBS_TIMEOUT, `job timed out after ${ms} ms`),
  leaseLost: () =>
    new BreakwaterError(
      errors.JOBS_LEASE_LOST,
      'the lease on this job was lost (another worker may run it)',
    ),
  cancelled: () => new BreakwaterError(errors.JOBS_CANCELLED, 'the job was cancelled'),
  shutdown: () =>
    new BreakwaterError(errors.JOBS_SHUTDOWN, 'the worker is shutting down; the job is released'),
};

/** A stored error text: the stack (or message) cut to a bounded length. */
export function errorText(error: unknown, max = 4_000): string {
  const text =
    error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

/** The first line of an error, for `last_error` and log lines. */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return (message.split('\n')[0] ?? '').slice(0, 500);
}
