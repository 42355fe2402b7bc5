import { type DestinationStream, type Logger, pino } from 'pino';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';

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

export interface LoggerOptions {
  service: string;
  version?: string;
  level: string;
  destination?: NodeJS.WritableStream;
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

/** The pipeline's root pino logger: JSON lines, service and version on every line, redaction. */
export function createLogger(options: LoggerOptions): Logger {
  const base: Record<string, string> = { service: options.service };
  if (options.version !== undefined) base.version = options.version;
  return pino(
    {
      level: options.level,
      base,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    (options.destination ?? process.stdout) as DestinationStream,
  );
}

/** The levels the pipeline writes its own lines at. */
export type LineLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** Writes the pipeline's own lines (request, span) at a level, if the root logger allows it. */
export interface LineWriter {
  /** Whether a line at `level` would be written now: skip building it otherwise. */
  enabled(level: LineLevel): boolean;
  write(level: LineLevel, line: object, msg: string): void;
}

/**
 * The writer for lines the pipeline builds itself from explicit fields (ids, route, status,
 * durations: never headers, bodies or raw ids). They skip pino's redaction pass, which walks
 * every value of every line once wildcard paths are configured and is the dearest part of a
 * log call; the root logger still decides the level, even when its level changes later.
 * Lines that carry a caller's object (a 5xx's `err`) go through `root` and stay redacted.
 */
export function createLineWriter(root: Logger): LineWriter {
  const lines = root.child({}, { redact: [], level: 'trace' });
  return {
    enabled: (level) => root.isLevelEnabled(level),
    write: (level, line, msg) => {
      if (root.isLevelEnabled(level)) lines[level](line, msg);
    },
  };
}
