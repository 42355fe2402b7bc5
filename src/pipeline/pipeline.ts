import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createHttpClient } from '../http/client.js';
import { type HttpAnswer, problemAnswer } from './answer.js';
import { ContextStorage, type RequestContext } from './context.js';
import { type CachedHash, createHashCache } from './hash.js';
import { type HealthCheck, storeCheck, validateCheck } from './health-check.js';
import { startLagMonitor } from './lag-monitor.js';
import { createLineWriter, createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { type PipelineOptions, resolveOptions } from './options.js';
import { createProbes, type ProbeKind } from './probes.js';
import { createRequestTracker, type RequestScope, type RequestStart } from './request-scope.js';
import { type Closer, ShutdownSequence } from './shutdown.js';
import { installSignalHandlers, type SignalOptions } from './signals.js';
import { createWithSpan, type WithSpan } from './span.js';

/** A node:http server, or anything that holds one as `server` (a Fastify instance). */
export type ServerTarget = Server | { readonly server: Server };

function serverOf(target: ServerTarget): Server {
  return 'server' in target && typeof target.server === 'object'
    ? target.server
    : (target as Server);
}

/** The framework-facing half of the pipeline, used by the adapters in src/http/. */
export interface PipelineHttp {
  readonly paths: Readonly<Record<ProbeKind, string>>;
  /** Starts tracking a request: trace context from `traceparent`, in-flight gauge. */
  begin(start: RequestStart): RequestScope;
  /** Which operational endpoint `method path` is, if any (GET and HEAD only). */
  probeAt(method: string, path: string): ProbeKind | undefined;
  /** The answer of /live, /ready, /health or /metrics. */
  probe(kind: ProbeKind): Promise<HttpAnswer>;
  /** The problem+json answer for an error (already normalised by the adapter). */
  problem(error: unknown, options?: { path?: string; scope?: RequestScope }): HttpAnswer;
}

export interface Pipeline {
  /** The root pino logger; inside a request use `log()` for the child with trace ids. */
  readonly logger: Logger;
  /** The current request's (or span's) child logger, or the root one outside a request. */
  log(): Logger;
  /** The current request's (or span's) context, undefined outside a request. */
  context(): RequestContext | undefined;
  /** Called by the app's auth hook; the ids appear hashed in the request's log line. */
  setIdentity(identity: { tenantId?: string; userId?: string }): void;
  readonly withSpan: WithSpan;
  /** undici-based fetch that forwards `traceparent` from the current context. */
  readonly fetch: typeof fetch;
  addCheck(check: HealthCheck): void;
  readonly metrics: { registry: Registry };
  readonly shuttingDown: boolean;
  /** Starts shutdown of `server`: readiness fails, drain, closers; resolves with exit code. */
  shutdown(server: ServerTarget, options?: { reason?: string }): Promise<number>;
  /** Installs SIGTERM/SIGINT handlers that call shutdown(server), then exit (see options). */
  handleSignals(server: ServerTarget, options?: SignalOptions): () => void;
  /** Runs after the server drained, the last registered first (stores close here). */
  onClose(closer: Closer): void;
  readonly http: PipelineHttp;
}

/**
 * Builds the request pipeline shared by every framework adapter: trace context, request
 * logs, spans, metrics, health endpoints and graceful shutdown. Nothing is installed on the
 * process until `handleSignals` is called, except one shared `exit` listener that writes log
 * lines still collected for stdout; the only timers are unref'd (lag sampler, log flush).
 */
export function createPipeline(options: PipelineOptions): Pipeline {
  const resolved = resolveOptions(options);
  const { clock } = resolved;
  const storage = new ContextStorage();
  const {
    logger,
    flush: flushLogs,
    direct,
  } = createLogger({
    service: resolved.service,
    ...(resolved.version !== undefined ? { version: resolved.version } : {}),
    level: resolved.logLevel,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
    bufferBytes: resolved.logBufferBytes,
    flushIntervalMs: resolved.logFlushIntervalMs,
  });
  const metrics = createMetrics(options.registry, {
    defaultMetrics: options.defaultMetrics ?? true,
  });
  const lag = startLagMonitor({ intervalMs: resolved.lagSampleIntervalMs, now: clock });
  const shutdown = new ShutdownSequence({
    logger,
    timeoutMs: resolved.shutdownTimeoutMs,
    beforeClosers: () => lag.stop(),
    flush: () => flushLogs(),
  });
  const checks: HealthCheck[] = [];
  const addCheck = (check: HealthCheck) => {
    validateCheck(check);
    checks.push(check);
  };
  for (const store of options.stores ?? []) {
    addCheck(storeCheck(store));
    shutdown.onClose(() => store.close());
  }
  for (const check of options.checks ?? []) addCheck(check);

  const shuttingDown = () => shutdown.started;
  const probe = createProbes({
    checks: () => checks,
    lag,
    lagThresholdMs: resolved.eventLoopLagThresholdMs,
    registry: metrics.registry,
    shuttingDown,
    now: clock,
    meta: {
      serviceId: resolved.service,
      ...(resolved.version !== undefined ? { version: resolved.version } : {}),
      ...(resolved.description !== undefined ? { description: resolved.description } : {}),
    },
  });
  const probeByPath = new Map(Object.entries(resolved.paths).map(([k, p]) => [p, k as ProbeKind]));
  const lines = createLineWriter(logger, direct);
  const hash = createHashCache(resolved.hashSecret);
  const begin = createRequestTracker({
    storage,
    clock,
    lines,
    logError: (line, msg) => logger.error(line, msg),
    observeDuration: (method, route, status) =>
      metrics.requestDuration.observer(method, route, status),
    inFlight: metrics.inFlight,
    hash,
    shuttingDown,
  });

  const pipeline: Pipeline = {
    logger,
    log: () => {
      const frame = storage.current();
      if (!frame) return logger;
      frame.logger ??= logger.child(childBindings(frame.context, hash));
      return frame.logger;
    },
    context: () => storage.current()?.context,
    setIdentity: (identity) => {
      if (!storage.setIdentity(identity)) {
        logger.warn('setIdentity called outside a request; ignored');
      }
    },
    withSpan: createWithSpan({
      storage,
      clock,
      lines,
      observeDuration: (name, outcome) => metrics.spanDuration.observer(name, outcome),
      spanLogLevel: resolved.spanLogLevel,
    }),
    fetch: createHttpClient({ context: () => storage.current()?.context }).fetch,
    addCheck,
    metrics: { registry: metrics.registry },
    get shuttingDown() {
      return shutdown.started;
    },
    shutdown: (server, opts) => shutdown.run(serverOf(server), opts?.reason),
    handleSignals: (server, opts) =>
      installSignalHandlers((signal) => shutdown.run(serverOf(server), signal), logger, opts),
    onClose: (closer) => shutdown.onClose(closer),
    http: {
      paths: resolved.paths,
      begin,
      probeAt: (method, path) =>
        method === 'GET' || method === 'HEAD' ? probeByPath.get(path) : undefined,
      probe,
      problem: problemAnswer,
    },
  };
  return pipeline;
}

function childBindings(context: RequestContext, hash: CachedHash): Record<string, string> {
  const bindings: Record<string, string> = { traceId: context.traceId, spanId: context.spanId };
  if (context.tenantId !== undefined) bindings.tenantHash = hash(context.tenantId);
  if (context.userId !== undefined) bindings.userHash = hash(context.userId);
  return bindings;
}
