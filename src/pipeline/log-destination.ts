import { pino } from 'pino';

/** Where the pipeline's lines go when the caller gave no stream: stdout. */
export interface StdoutDestination {
  write(line: string): boolean;
  /** Writes every line collected so far (synchronously). */
  flush(): void;
}

/** Lines collected for one destination, and the timer that writes them if no more come. */
interface Batch {
  parts: string[];
  chars: number;
  timer: NodeJS.Timeout | undefined;
  readonly write: (text: string) => void;
}

/** Batches holding lines: the only references the module keeps, so idle ones can be freed. */
const holding = new Set<Batch>();
let exitHookInstalled = false;

function writeBatch(batch: Batch): void {
  if (batch.timer !== undefined) {
    clearTimeout(batch.timer);
    batch.timer = undefined;
  }
  holding.delete(batch);
  if (batch.chars === 0) return;
  // One string per batch: SonicBoom measures its pending text on every write.
  const text = batch.parts.join('');
  batch.parts = [];
  batch.chars = 0;
  batch.write(text);
}

/** Lines still held when the process exits (an uncaught exception too) are written then. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const batch of [...holding]) writeBatch(batch);
  });
}

/**
 * Stdout (fd 1) through pino's SonicBoom, written synchronously. With `bufferBytes` > 0, lines
 * are collected and written together: when the next line would take the batch past
 * `bufferBytes` characters, `flushIntervalMs` after the first line (an unref'd timer), on
 * `flush()` (shutdown) and when the process exits. One write per dozen request lines instead
 * of one per line, and no write in flight that an exit could lose. With 0, each line is
 * written at once.
 */
export function stdoutDestination(options: {
  bufferBytes: number;
  flushIntervalMs: number;
}): StdoutDestination {
  const boom = pino.destination({ dest: 1, sync: true });
  if (options.bufferBytes <= 0) return { write: (line) => boom.write(line), flush: () => {} };
  const batch: Batch = {
    parts: [],
    chars: 0,
    timer: undefined,
    write: (text) => {
      boom.write(text);
    },
  };
  return {
    write: (line) => {
      // A batch stays within bufferBytes (4096 by default: what a pipe writes atomically, so
      // processes sharing one stdout cannot cut into each other's lines); a longer line goes
      // out alone.
      if (batch.chars > 0 && batch.chars + line.length > options.bufferBytes) writeBatch(batch);
      batch.parts.push(line);
      batch.chars += line.length;
      if (batch.chars >= options.bufferBytes) {
        writeBatch(batch);
      } else if (batch.timer === undefined) {
        batch.timer = setTimeout(writeBatch, options.flushIntervalMs, batch).unref();
        holding.add(batch);
        installExitHook();
      }
      return true;
    },
    flush: () => writeBatch(batch),
  };
}
