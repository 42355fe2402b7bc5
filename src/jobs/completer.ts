import type { Completion, JobStore } from './store.js';

/** Completions gathered into batches: one write in flight, the next batch forming behind it. */
export interface Completer {
  /** Resolves true when stored, false when fenced out (the hold was lost). */
  add(item: Completion): Promise<boolean>;
  /** Writes everything gathered now; after ~50 failed writes the rest is given up. */
  flush(): Promise<void>;
  readonly pending: number;
}

interface Waiting {
  item: Completion;
  resolve: (accepted: boolean) => void;
}

const RETRY_DELAY_MS = 100;

/**
 * Group commit for completions: while one batch is being written the next one gathers, and
 * `batchMs` > 0 waits that long before writing so more join. A write that fails (database
 * down) is retried; a completion that can no longer be stored simply leaves its job to be
 * reaped and run again, which at-least-once delivery allows.
 */
export function createCompleter(
  store: JobStore,
  options: { batchMs: number; remove: boolean; onError: (error: unknown) => void },
): Completer {
  let queue: Waiting[] = [];
  let writing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let flushing = false;

  const write = async (): Promise<void> => {
    const batch = queue;
    queue = [];
    try {
      const accepted = await store.complete(
        batch.map((w) => w.item),
        options.remove,
      );
      for (const waiting of batch) waiting.resolve(accepted.has(waiting.item.id));
    } catch (error) {
      options.onError(error);
      queue = [...batch, ...queue];
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
  };

  const pump = (): void => {
    if (writing || queue.length === 0 || timer) return;
    const start = () => {
      timer = undefined;
      writing = write().finally(() => {
        writing = undefined;
        pump();
      });
    };
    if (options.batchMs > 0 && !flushing) timer = setTimeout(start, options.batchMs);
    else start();
  };

  return {
    add: (item) =>
      new Promise<boolean>((resolve) => {
        queue.push({ item, resolve });
        pump();
      }),
    flush: async () => {
      flushing = true;
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      for (let rounds = 0; rounds < 50 && (writing || queue.length > 0); rounds++) {
        if (writing) await writing;
        else pump();
      }
      // Anything still unwritten is given up: its jobs are reaped and run again.
      for (const waiting of queue.splice(0)) waiting.resolve(false);
      flushing = false;
    },
    get pending() {
      return queue.length;
    },
  };
}
