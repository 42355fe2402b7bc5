import type { Clock } from './clock.js';
import type { PolicyFn } from './policy.js';
import { canAbort } from './signal.js';

/**
 * Runs `fn` with a signal that aborts when `parent` does or when `ms` pass. It settles at
 * the first of: `fn` settling, the deadline (rejecting with `onTimeout()`, which also
 * becomes the abort reason) or the parent's abort (rejecting with its reason), without
 * waiting for a `fn` that ignores its signal.
 */
export function withDeadline<T>(
  fn: PolicyFn<T>,
  parent: AbortSignal,
  ms: number,
  clock: Clock,
  onTimeout: () => unknown,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (parent.aborted) {
      reject(parent.reason);
      return;
    }
    const controller = new AbortController();
    const linked = canAbort(parent);
    let done = false;
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      clock.clearTimeout(timer);
      if (linked) parent.removeEventListener('abort', onAbort);
      return true;
    };
    const onAbort = () => {
      if (!finish()) return;
      controller.abort(parent.reason);
      reject(parent.reason);
    };
    const timer = clock.setTimeout(() => {
      if (!finish()) return;
      const error = onTimeout();
      controller.abort(error);
      reject(error);
    }, ms);
    if (linked) parent.addEventListener('abort', onAbort);
    let pending: T | PromiseLike<T>;
    try {
      pending = fn(controller.signal);
    } catch (error) {
      if (finish()) reject(error);
      return;
    }
    Promise.resolve(pending).then(
      (value) => {
        if (finish()) resolve(value);
      },
      (error: unknown) => {
        if (finish()) reject(error);
      },
    );
  });
}
