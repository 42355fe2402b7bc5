import { Writable } from 'node:stream';
import { createPipeline, type Pipeline, type PipelineOptions } from '../../src/pipeline/index.js';

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/** A log destination for tests: keeps the raw text and every parsed JSON line. */
export class LogCapture extends Writable {
  raw = '';
  readonly lines: LogLine[] = [];
  #pending = '';
  readonly #waiters = new Set<() => void>();

  override _write(chunk: Buffer | string, _encoding: string, callback: () => void): void {
    const text = chunk.toString();
    this.raw += text;
    this.#pending += text;
    let newline = this.#pending.indexOf('\n');
    while (newline !== -1) {
      const line = this.#pending.slice(0, newline);
      this.#pending = this.#pending.slice(newline + 1);
      if (line.trim() !== '') this.lines.push(JSON.parse(line) as LogLine);
      newline = this.#pending.indexOf('\n');
    }
    for (const wake of this.#waiters) wake();
    callback();
  }

  /** Resolves with the first line matching `predicate`, waiting for it if needed. */
  waitFor(predicate: (line: LogLine) => boolean): Promise<LogLine> {
    const found = this.lines.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => {
      const wake = () => {
        const line = this.lines.find(predicate);
        if (!line) return;
        this.#waiters.delete(wake);
        resolve(line);
      };
      this.#waiters.add(wake);
    });
  }

  /** The request line of `traceId`, once written. */
  requestLine(traceId: string): Promise<LogLine> {
    return this.waitFor((l) => l.msg === 'request' && l.traceId === traceId);
  }

  requestLines(traceId: string): LogLine[] {
    return this.lines.filter((l) => l.msg === 'request' && l.traceId === traceId);
  }
}

/** A door a slow route waits behind: `entered` resolves once it waits, `release()` opens it. */
export interface Gate {
  wait(): Promise<void>;
  readonly entered: Promise<void>;
  release(): void;
}

export function createGate(): Gate {
  let release!: () => void;
  let enter!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const entered = new Promise<void>((resolve) => {
    enter = resolve;
  });
  return {
    wait: () => {
      enter();
      return released;
    },
    entered,
    release,
  };
}

/** A pipeline for tests, logging at info into a fresh LogCapture, without default metrics. */
export function capturedPipeline(options: Partial<PipelineOptions> = {}): {
  pipeline: Pipeline;
  logs: LogCapture;
} {
  const logs = new LogCapture();
  const pipeline = createPipeline({
    service: 'test',
    hashSecret: 'k',
    logLevel: 'info',
    logDestination: logs,
    defaultMetrics: false,
    ...options,
  });
  return { pipeline, logs };
}
