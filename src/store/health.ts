import type { StoreHealth } from './types.js';

export const DEFAULT_HEALTH_TIMEOUT_MS = 2_000;

/**
 * Runs a probe with a deadline. Resolves with ok=false on error, timeout or abort, so a
 * hanging dependency can never hang the caller.
 */
export async function probe(
  check: () => Promise<unknown>,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<StoreHealth> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    onAbort = () => reject(new Error('aborted'));
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([check(), deadline]);
    return { ok: true, latencyMs: performance.now() - started };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      latencyMs: performance.now() - started,
      error: message.split('\n')[0] ?? '',
    };
  } finally {
    clearTimeout(timer);
    if (onAbort) options.signal?.removeEventListener('abort', onAbort);
  }
}
