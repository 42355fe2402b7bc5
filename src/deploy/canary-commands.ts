/** What an operator can ask of a rollout under way. Abort goes through the deploy's signal. */
export type RolloutCommandKind = 'pause' | 'resume' | 'promote' | 'rollback';

export interface RolloutCommand {
  kind: RolloutCommandKind;
  actor: string;
  /** Settles once the rollout has acted on it (and recorded it). */
  done: (error?: Error) => void;
}

/**
 * The mailbox between the admin API and a running rollout: commands queue here and wake the
 * rollout's loop, which handles them one at a time between ticks.
 */
export class RolloutMailbox {
  private queue: RolloutCommand[] = [];
  private wake: (() => void) | undefined;

  /** Queues a command; resolves when the rollout has handled it. */
  send(kind: RolloutCommandKind, actor: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ kind, actor, done: (error) => (error ? reject(error) : resolve()) });
      this.notify();
    });
  }

  /** Takes every queued command. */
  take(): RolloutCommand[] {
    const taken = this.queue;
    this.queue = [];
    return taken;
  }

  /** Refuses what is still queued (the rollout ended before handling it). */
  close(error: Error): void {
    for (const command of this.take()) command.done(error);
  }

  /** Wakes the loop early (a command arrived, a trigger fired). */
  notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Waits until `ms` pass, a command arrives or `signal` aborts. */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.queue.length > 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }
}
