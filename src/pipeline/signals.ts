import type { Logger } from 'pino';

export const DEFAULT_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

export interface SignalOptions {
  signals?: NodeJS.Signals[];
  /**
   * What to do with the exit code once shutdown is done: true (default) calls
   * `process.exit(code)`, false does nothing, a function receives the code.
   */
  exit?: boolean | ((code: number) => void);
}

/**
 * Installs handlers that run `shutdown` on the first signal and hand its code to `exit`. A
 * second signal while shutting down exits at once with 1 when exiting is enabled (a second
 * Ctrl-C). Returns a function that removes the handlers.
 */
export function installSignalHandlers(
  shutdown: (reason: string) => Promise<number>,
  logger: Logger,
  options: SignalOptions = {},
): () => void {
  const signals = options.signals ?? DEFAULT_SIGNALS;
  const exit =
    typeof options.exit === 'function'
      ? options.exit
      : options.exit === false
        ? () => {}
        : (code: number) => process.exit(code);
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (started) {
      logger.warn({ signal }, 'second signal during shutdown');
      if (options.exit !== false) exit(1);
      return;
    }
    started = true;
    logger.info({ signal }, 'signal received, shutting down');
    void shutdown(signal).then(exit);
  };
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}
