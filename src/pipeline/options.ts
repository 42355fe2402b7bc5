import type { Registry } from 'prom-client';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { Store } from '../store/types.js';
import type { HealthCheck } from './health-check.js';
import { DEFAULT_LAG_SAMPLE_INTERVAL_MS } from './lag-monitor.js';
import {
  DEFAULT_LOG_BUFFER_BYTES,
  DEFAULT_LOG_FLUSH_INTERVAL_MS,
  type LineLevel,
  resolveLogLevel,
} from './logger.js';
import type { ProbeKind } from './probes.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from './shutdown.js';
import { DEFAULT_SPAN_LOG_LEVEL } from './span.js';

export interface PipelineOptions {
  /** Service name: on every log line and the health report's `serviceId`. */
  service: string;
  version?: string;
  /** The health report's `description`. */
  description?: string;
  /** HMAC secret for tenant/user ids in logs (required). */
  hashSecret: string;
  /** pino level; default env `LOG_LEVEL`, else info. */
  logLevel?: string;
  /**
   * Level of the line a successful `withSpan` leaves; default `debug` (the request line stays
   * at info, failed spans log at warn, and the span histogram records every span anyway).
   */
  spanLogLevel?: LineLevel;
  /** Where JSON log lines go, written as they come; default stdout, buffered (below). */
  logDestination?: NodeJS.WritableStream;
  /**
   * Stdout only: lines are collected up to this many characters (default 4096, at most
   * 16384) and written together; 0 writes each line at once. Shutdown and exit write the rest.
   */
  logBufferBytes?: number;
  /** Stdout only: a collected line is written at most this long after it came; default 250 ms. */
  logFlushIntervalMs?: number;
  /** Stores checked by /ready and /health (`<kind>:responseTime`) and closed on shutdown. */
  stores?: Store[];
  checks?: HealthCheck[];
  /** Default: a new registry per pipeline (never prom-client's global one). */
  registry?: Registry;
  /** Register prom-client's default process/event-loop metrics; default true. */
  defaultMetrics?: boolean;
  /** How long in-flight requests may take to finish on shutdown; default 10 s. */
  shutdownTimeoutMs?: number;
  /** /live fails while event-loop lag is at or over this; default 1 s. */
  eventLoopLagThresholdMs?: number;
  /** How often the lag sampler ticks; default 200 ms. */
  lagSampleIntervalMs?: number;
  paths?: Partial<Record<ProbeKind, string>>;
  /** Epoch milliseconds; default a monotonic high-resolution clock. */
  clock?: () => number;
}

export const DEFAULT_PATHS: Readonly<Record<ProbeKind, string>> = Object.freeze({
  live: '/live',
  ready: '/ready',
  health: '/health',
  metrics: '/metrics',
});
export const DEFAULT_EVENT_LOOP_LAG_THRESHOLD_MS = 1_000;
let timeOrigin: number | undefined;
/** Epoch ms at high resolution: the process's time origin (read once) plus `performance.now()`. */
export const DEFAULT_CLOCK = (): number => {
  timeOrigin ??= performance.timeOrigin;
  return timeOrigin + performance.now();
};

export interface ResolvedOptions {
  service: string;
  version?: string;
  description?: string;
  hashSecret: string;
  logLevel: string;
  spanLogLevel: LineLevel;
  logBufferBytes: number;
  logFlushIntervalMs: number;
  shutdownTimeoutMs: number;
  eventLoopLagThresholdMs: number;
  lagSampleIntervalMs: number;
  paths: Readonly<Record<ProbeKind, string>>;
  clock: () => number;
}

function invalid(detail: string): never {
  throw new BreakwaterError(errors.CONFIG_INVALID, `createPipeline: ${detail}`);
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!Number.isFinite(chosen) || chosen <= 0) invalid(`${name} must be a positive number`);
  return chosen;
}

/** Larger batches gain nothing: SonicBoom writes 16 KiB at a time. */
const MAX_LOG_BUFFER_BYTES = 16 * 1024;

function bufferBytes(value: number | undefined): number {
  const chosen = value ?? DEFAULT_LOG_BUFFER_BYTES;
  if (!Number.isInteger(chosen) || chosen < 0 || chosen > MAX_LOG_BUFFER_BYTES) {
    invalid(`logBufferBytes must be an integer from 0 to ${MAX_LOG_BUFFER_BYTES}`);
  }
  return chosen;
}

const LINE_LEVELS: readonly LineLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

function spanLevel(level: LineLevel | undefined): LineLevel {
  const chosen = level ?? DEFAULT_SPAN_LOG_LEVEL;
  if (!LINE_LEVELS.includes(chosen))
    invalid(`spanLogLevel must be one of ${LINE_LEVELS.join(', ')}`);
  return chosen;
}

/** Fills in defaults and validates once, with a message that names the bad option. */
export function resolveOptions(options: PipelineOptions): ResolvedOptions {
  if (typeof options?.service !== 'string' || options.service.trim() === '') {
    invalid('service must be a non-empty string');
  }
  if (typeof options.hashSecret !== 'string' || options.hashSecret === '') {
    invalid('hashSecret is required (the HMAC key for tenant and user ids in logs)');
  }
  const paths = { ...DEFAULT_PATHS, ...options.paths };
  for (const [kind, path] of Object.entries(paths)) {
    if (typeof path !== 'string' || !path.startsWith('/'))
      invalid(`paths.${kind} must start with /`);
  }
  if (new Set(Object.values(paths)).size !== Object.keys(paths).length) {
    invalid('paths must be distinct');
  }
  const resolved: ResolvedOptions = {
    service: options.service,
    hashSecret: options.hashSecret,
    logLevel: resolveLogLevel(options.logLevel),
    spanLogLevel: spanLevel(options.spanLogLevel),
    logBufferBytes: bufferBytes(options.logBufferBytes),
    logFlushIntervalMs: positive(
      'logFlushIntervalMs',
      options.logFlushIntervalMs,
      DEFAULT_LOG_FLUSH_INTERVAL_MS,
    ),
    shutdownTimeoutMs: positive(
      'shutdownTimeoutMs',
      options.shutdownTimeoutMs,
      DEFAULT_SHUTDOWN_TIMEOUT_MS,
    ),
    eventLoopLagThresholdMs: positive(
      'eventLoopLagThresholdMs',
      options.eventLoopLagThresholdMs,
      DEFAULT_EVENT_LOOP_LAG_THRESHOLD_MS,
    ),
    lagSampleIntervalMs: positive(
      'lagSampleIntervalMs',
      options.lagSampleIntervalMs,
      DEFAULT_LAG_SAMPLE_INTERVAL_MS,
    ),
    paths: Object.freeze(paths),
    clock: options.clock ?? DEFAULT_CLOCK,
  };
  if (options.version !== undefined) resolved.version = options.version;
  if (options.description !== undefined) resolved.description = options.description;
  return resolved;
}
