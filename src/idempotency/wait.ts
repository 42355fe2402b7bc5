/** First pause while polling for an in-flight request, doubled up to the cap. */
export const POLL_START_MS = 25;
export const POLL_CAP_MS = 500;

/** The pause before poll number `attempt` (0-based): 25, 50, 100 ... capped at 500 ms. */
export function pollDelay(attempt: number): number {
  return Math.min(POLL_CAP_MS, POLL_START_MS * 2 ** attempt);
}

/** Sleeps `ms`; resolves early (false) when `signal` aborts, true after the full pause. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (full: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(full);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
