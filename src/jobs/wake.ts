/** What the in-process bus carries: new work on a queue, or a job cancelled. */
export type WakeEvent = { type: 'enqueued'; queue: string } | { type: 'cancelled'; id: string };

/**
 * The in-process wake-up between queues and workers that share one connection (a SQLite
 * database handle or a pg pool): an enqueue wakes idle workers at once instead of at their
 * next poll, and a cancel aborts a running handler without waiting for a heartbeat.
 */
export interface WakeBus {
  emit(event: WakeEvent): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: (event: WakeEvent) => void): () => void;
}

const buses = new WeakMap<object, WakeBus>();

/** The bus for a connection object, made on first use and shared by every queue on it. */
export function wakeBusFor(connection: object): WakeBus {
  let bus = buses.get(connection);
  if (bus) return bus;
  const listeners = new Set<(event: WakeEvent) => void>();
  bus = {
    // Delivered after the current synchronous work, e.g. after a SQLite transaction commits.
    emit: (event) => {
      if (listeners.size === 0) return;
      setImmediate(() => {
        for (const listener of listeners) listener(event);
      });
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  buses.set(connection, bus);
  return bus;
}
