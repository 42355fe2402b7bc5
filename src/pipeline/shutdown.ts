import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { drainServer } from './drain.js';

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

export type Closer = () => Promise<void> | void;

/**
 * The graceful-shutdown sequence: mark shutting down (readiness fails at once), drain the
 * server up to the timeout, run the closers newest first, then flush the log. The exit code
 * is 0, or 1 when the drain timed out or a closer failed. Running it again returns the same
 * promise.
 */
export class ShutdownSequence {
  readonly #closers: Closer[] = [];
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #beforeClosers: () => void;
  readonly #flush: () => void;
  #running: Promise<number> | undefined;

  constructor(options: {
    logger: Logger;
    timeoutMs: number;
    beforeClosers?: () => void;
    /** Runs last, after `shutdown complete` is logged: writes log lines still collected. */
    flush?: () => void;
  }) {
    this.#logger = options.logger;
    this.#timeoutMs = options.timeoutMs;
    this.#beforeClosers = options.beforeClosers ?? (() => {});
    this.#flush = options.flush ?? (() => {});
  }

  get started(): boolean {
    return this.#running !== undefined;
  }

  /** Adds a closer; closers run after the drain, the last added first. */
  onClose(closer: Closer): void {
    this.#closers.push(closer);
  }

  run(server: Server, reason = 'shutdown requested'): Promise<number> {
    this.#running ??= this.#run(server, reason);
    return this.#running;
  }

  async #run(server: Server, reason: string): Promise<number> {
    this.#logger.info({ reason, timeoutMs: this.#timeoutMs }, 'shutdown started');
    const drained = await drainServer(server, this.#timeoutMs);
    if (!drained) {
      this.#logger.error(
        { timeoutMs: this.#timeoutMs },
        'shutdown timeout: remaining connections destroyed',
      );
    }
    this.#beforeClosers();
    let closersOk = true;
    for (const closer of [...this.#closers].reverse()) {
      try {
        await closer();
      } catch (err) {
        closersOk = false;
        this.#logger.error({ err }, 'closer failed during shutdown');
      }
    }
    const code = drained && closersOk ? 0 : 1;
    this.#logger.info({ code, drained }, 'shutdown complete');
    this.#flush();
    return code;
  }
}
