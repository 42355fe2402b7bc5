import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';

/** First line of an error's message. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.trim() ?? '';
}

/** BW_MIGRATE_BACKUP_FAILED with a one-line detail. */
export function backupFailed(detail: string, cause?: unknown): BreakwaterError {
  const why = cause === undefined ? '' : `: ${firstLine(cause)}`;
  return new BreakwaterError(errors.MIGRATE_BACKUP_FAILED, `backup failed: ${detail}${why}`, {
    cause,
  });
}

/** BW_MIGRATE_RESTORE_FAILED with a one-line detail. */
export function restoreFailed(detail: string, cause?: unknown): BreakwaterError {
  const why = cause === undefined ? '' : `: ${firstLine(cause)}`;
  return new BreakwaterError(errors.MIGRATE_RESTORE_FAILED, `restore failed: ${detail}${why}`, {
    cause,
  });
}

/** What an aborted signal carries, to throw and then report as `...: aborted: <reason>`. */
export function abortedBy(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

/** BW_MIGRATE_BACKUP_UNAVAILABLE: a backup cannot be made here; says how to proceed. */
export function backupUnavailable(detail: string): BreakwaterError {
  return new BreakwaterError(errors.MIGRATE_BACKUP_UNAVAILABLE, detail);
}
