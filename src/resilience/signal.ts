let never: AbortSignal | undefined;

/**
 * A signal that never aborts, shared by every call made without one, so the hot path needs
 * no `undefined` checks and allocates nothing. Made on first use, not at import.
 */
export function neverAborted(): AbortSignal {
  never ??= new AbortController().signal;
  return never;
}

/** True when `signal` can abort at all (not the shared never-aborting one). */
export function canAbort(signal: AbortSignal): boolean {
  return signal !== never;
}
