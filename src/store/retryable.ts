/**
 * The one place that decides whether a database error is worth retrying: a lock or
 * serialization conflict, or a connection that dropped. Everything else is final.
 */
const RETRYABLE_SQLSTATE = new Map<string, string>([
  ['40001', 'serialization failure'],
  ['40P01', 'deadlock detected'],
  ['55P03', 'lock not available'],
  ['57P01', 'admin shutdown'],
  ['57P02', 'crash shutdown'],
  ['57P03', 'cannot connect now'],
  ['08000', 'connection exception'],
  ['08003', 'connection does not exist'],
  ['08006', 'connection failure'],
  ['08001', 'unable to establish connection'],
  ['08004', 'connection rejected'],
]);

const RETRYABLE_SQLITE = new Set([
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_BUSY_RECOVERY',
  'SQLITE_LOCKED',
]);

const RETRYABLE_SYSCALL = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

const RETRYABLE_MESSAGE = [/Connection terminated/i, /Connection is closed/i, /socket hang up/i];

/** Why an error is retryable, or undefined when it is not. */
export function retryableReason(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    const sqlstate = RETRYABLE_SQLSTATE.get(code);
    if (sqlstate !== undefined) return `SQLSTATE ${code} (${sqlstate})`;
    if (RETRYABLE_SQLITE.has(code)) return code;
    if (RETRYABLE_SYSCALL.has(code)) return code;
  }
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && RETRYABLE_MESSAGE.some((pattern) => pattern.test(message))) {
    return message;
  }
  return undefined;
}

export function isRetryable(error: unknown): boolean {
  return retryableReason(error) !== undefined;
}
