import { type DestinationStream, type Logger, pino } from 'pino';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { stdoutDestination } from './log-destination.js';

export const DEFAULT_LOG_LEVEL = 'info';

/**
 * Paths pino censors wherever they turn up: credentials and bodies must never reach a log,
 * even when someone logs a whole request object by mistake.
 */
export const REDACT_PATHS = [
  'authorization',
  'cookie',
  'password',
  'apiKey',
  'body',
  '*.authorization',
  '*.cookie',
  '*.password',
  '*.apiKey',
  '*.body',
  '*["x-api-key"]',
  '*["set-cookie"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["x-api-key"]',
  '*.headers["set-cookie"]',
];

/** Characters of log lines collected before they are written to stdout: about a dozen lines. */
export const DEFAULT_LOG_BUFFER_BYTES = 4096;
/** A collected line is written at most this long after it came: a quiet service's logs stay current. */
export const DEFAULT_LOG_FLUSH_INTERVAL_MS = 250;

export interface LoggerOptions {
  service: string;
  version?: string;
  level: string;
  /** A stream of the caller's, written line by line. Default: stdout, batched (below). */
  destination?: NodeJS.WritableStream;
  /** Stdout only: batch size; 0 writes every line at once. */
  bufferBytes?: number;
  flushIntervalMs?: number;
}

/** The root logger and what the pipeline's own lines need to bypass pino's generic path. */
export interface PipelineLogger {
  logger: Logger;
  /** Writes lines still collected for stdout (shutdown calls it last). */
  flush(): void;
  /** Where the lines go, and the root's bindings as JSON members (`,"service":"x"`). */
  direct?: DirectLines;
}

/** The level from options, else `LOG_LEVEL`, else info; an unknown name is a config error. */
export function resolveLogLevel(level: string | undefined, env = process.env): string {
  const chosen = (level ?? env.LOG_LEVEL?.trim()) || DEFAULT_LOG_LEVEL;
  if (chosen !== 'silent' && !(chosen in pino.levels.values)) {
    throw new BreakwaterError(
      errors.CONFIG_INVALID,
      `log level "${chosen}" is unknown (use ${Object.keys(pino.levels.values).join(', ')}, silent)`,
    );
  }
  return chosen;
}

/**
 * The pipeline's root pino logger: JSON lines, service and version on every line, redaction.
 * Without a stream of the caller's, lines go to stdout in batches (log-destination.ts).
 */
export function createLogger(options: LoggerOptions): PipelineLogger {
  const base: Record<string, string> = { service: options.service };
  if (options.version !== undefined) base.version = options.version;
  const stdout = options.destination
    ? undefined
    : stdoutDestination({
        bufferBytes: options.bufferBytes ?? DEFAULT_LOG_BUFFER_BYTES,
        flushIntervalMs: options.flushIntervalMs ?? DEFAULT_LOG_FLUSH_INTERVAL_MS,
      });
  const stream = (options.destination ?? stdout) as DestinationStream;
  const logger = pino(
    { level: options.level, base, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    stream,
  );
  const result: PipelineLogger = { logger, flush: () => stdout?.flush() };
  // A multistream routes by the level pino records on it: such a stream only gets pino's lines.
  if ((stream as unknown as Record<symbol, unknown>)[Symbol.for('pino.metadata')] !== true) {
    result.direct = { stream, bindings: jsonMembers(base) };
  }
  return result;
}

/** `,"key":value` for each entry, as pino writes a logger's bindings. */
function jsonMembers(fields: Record<string, string>): string {
  let members = '';
  for (const [key, value] of Object.entries(fields)) {
    members += `,${JSON.stringify(key)}:${JSON.stringify(value)}`;
  }
  return members;
}

/** The levels the pipeline writes its own lines at. */
export type LineLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** pino's numbers for them (the root logger has no custom levels). */
const LEVEL_VALUES: Readonly<Record<string, number>> = pino.levels.values;

/** Where the pipeline's own lines can go without pino's per-field loop. */
export interface DirectLines {
  stream: { write(line: string): unknown };
  /** The root logger's bindings as JSON members, as pino writes them: `,"service":"x"`. */
  bindings: string;
}

/** Writes the pipeline's own lines (request, span) at a level, if the root logger allows it. */
export interface LineWriter {
  /** Whether a line at `level` would be written now: skip building it otherwise. */
  enabled(level: LineLevel): boolean;
  write(level: LineLevel, line: object, msg: string): void;
  /**
   * Writes a line whose fields the caller already wrote as JSON members (`"a":1,"b":"x"`,
   * values escaped): the very line pino writes for those fields, level, time and bindings
   * first and `msg` last, built as one string instead of field by field.
   */
  writeMembers(level: LineLevel, members: string, msg: string): void;
}

/**
 * The writer for lines the pipeline builds itself from explicit fields (ids, route, status,
 * durations: never headers, bodies or raw ids). They skip pino's redaction pass, which walks
 * every value of every line once wildcard paths are configured and is the dearest part of a
 * log call; the root logger still decides the level, even when its level changes later.
 * Lines that carry a caller's object (a 5xx's `err`) go through `root` and stay redacted.
 */
export function createLineWriter(root: Logger, direct?: DirectLines): LineWriter {
  const lines = root.child({}, { redact: [], level: 'trace' });
  // The root's current threshold, read on every line (`levelVal`, one getter): pino's
  // isLevelEnabled takes a few symbol lookups more. The root uses pino's default ordering.
  const enabled = (level: LineLevel) => (LEVEL_VALUES[level] as number) >= root.levelVal;
  // The start of the last line written and what it was made from: many lines share a
  // millisecond, and printing a 13-digit time is a double-to-string conversion.
  let lastHead = '';
  let lastLevel: LineLevel | undefined;
  let lastTime = -1;
  let lastMsg: string | undefined;
  let lastMsgJson = '';
  return {
    enabled,
    write: (level, line, msg) => {
      if (enabled(level)) lines[level](line, msg);
    },
    writeMembers: (level, members, msg) => {
      if (!enabled(level)) return;
      if (direct === undefined) {
        lines[level](JSON.parse(`{${members}}`) as object, msg);
        return;
      }
      const time = Date.now();
      if (time !== lastTime || level !== lastLevel) {
        lastTime = time;
        lastLevel = level;
        lastHead = `{"level":${LEVEL_VALUES[level]},"time":${time}${direct.bindings}`;
      }
      if (msg !== lastMsg) {
        lastMsg = msg;
        lastMsgJson = JSON.stringify(msg);
      }
      direct.stream.write(`${lastHead},${members},"msg":${lastMsgJson}}\n`);
    },
  };
}
