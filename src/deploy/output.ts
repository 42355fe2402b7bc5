import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Color } from './state.js';

/** Where Breakwater's own lines and its instances' output go. */
export interface LineSink {
  write(line: string): void;
  /** Whether to color prefixes (a TTY). */
  readonly color: boolean;
}

const ANSI: Record<Color, string> = { blue: '\x1b[34m', green: '\x1b[32m' };
const RESET = '\x1b[0m';

/** A sink writing whole lines to a stream, colored when it is a TTY. */
export function streamSink(stream: NodeJS.WritableStream & { isTTY?: boolean }): LineSink {
  return { write: (line) => stream.write(`${line}\n`), color: stream.isTTY === true };
}

/** `[blue v1]`, colored on a TTY. */
export function instancePrefix(sink: LineSink, color: Color, label: string): string {
  const text = `[${color} ${label}]`;
  return sink.color ? `${ANSI[color]}${text}${RESET}` : text;
}

/** Copies each line of an instance's stdout or stderr to the sink with its prefix. */
export function pipeLines(source: Readable, sink: LineSink, prefix: string): void {
  const lines = createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => sink.write(`${prefix} ${line}`));
}
