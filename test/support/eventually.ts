/** How long to keep polling, and the pause between two reads. */
export interface PollOptions {
  timeoutMs: number;
  intervalMs: number;
}

/**
 * Reads until `done` holds of the answer or `timeoutMs` has passed, pausing `intervalMs`
 * between reads, and resolves with the last answer either way. A read that throws rejects
 * at once; use `eventually` to retry through errors.
 */
export async function poll<T>(
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  { timeoutMs, intervalMs }: PollOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Polls until `check` resolves without throwing; after `timeoutMs`, rethrows its last error. */
export async function eventually<T>(
  check: () => Promise<T>,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<T> {
  const attempt = async () => {
    try {
      return { ok: true, value: await check() } as const;
    } catch (error) {
      return { ok: false, error } as const;
    }
  };
  const last = await poll(attempt, (result) => result.ok, { timeoutMs, intervalMs });
  if (!last.ok) throw last.error;
  return last.value;
}
