/**
 * Bounds how long a store step may take without a timer per step: pending steps sit in one
 * set that a shared, unref'd ticker sweeps, so the hot path costs a set insert and delete.
 * A step is rejected at most one tick (a quarter of its allowance, <= 100 ms) late.
 */
interface Pending {
  at: number;
  ms: number;
  reject: (error: Error) => void;
}

const pending = new Set<Pending>();
let ticker: NodeJS.Timeout | undefined;

function sweep(): void {
  const now = Date.now();
  for (const entry of pending) {
    if (entry.at > now) continue;
    pending.delete(entry);
    entry.reject(new Error(`no answer within ${entry.ms} ms`));
  }
  if (pending.size === 0 && ticker !== undefined) {
    clearInterval(ticker);
    ticker = undefined;
  }
}

/** Resolves or rejects like `step`, or rejects once `ms` have passed. */
export function withDeadline<T>(step: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const entry: Pending = { at: Date.now() + ms, ms, reject };
    pending.add(entry);
    if (ticker === undefined) {
      ticker = setInterval(sweep, Math.max(10, Math.min(100, ms / 4)));
      ticker.unref();
    }
    step.then(
      (value) => {
        pending.delete(entry);
        resolve(value);
      },
      (error: unknown) => {
        pending.delete(entry);
        reject(error);
      },
    );
  });
}
