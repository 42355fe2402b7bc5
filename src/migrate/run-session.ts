import type { ResolvedOptions } from './options.js';
import { openSession, type Session } from './session.js';

/** Runs `fn` on a fresh session, with the run's lock when asked, and always releases it. */
export async function withSession<T>(
  options: ResolvedOptions,
  lock: boolean,
  signal: AbortSignal | undefined,
  fn: (session: Session) => Promise<T>,
): Promise<T> {
  const session = await openSession(options.store, {
    table: options.table,
    lock,
    lockTimeoutMs: options.lockTimeoutMs,
    signal,
    onProgress: options.onProgress,
  });
  try {
    return await fn(session);
  } finally {
    await session.release();
  }
}

/** Milliseconds since `started` (a `performance.now()` reading), rounded. */
export function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
