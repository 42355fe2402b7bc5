import {
  type Dispatcher,
  Headers,
  type RequestInfo,
  type RequestInit,
  type Response,
  fetch as undiciFetch,
} from 'undici';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { outgoingTraceparent, type TraceSource } from '../http/client.js';
import type { CircuitBreaker } from './breaker.js';
import { type BulkheadOptions, BulkheadPolicy } from './bulkhead.js';
import { type Classifier, HTTP_CLASSIFIER, statusOf } from './classifier.js';
import type { Clock } from './clock.js';
import { type Policy, wrap } from './policy.js';
import type { PresetName } from './presets.js';
import { type BreakerDefaults, BreakerRegistry } from './registry.js';
import { DEFAULT_RETRY_CLASSIFIER, type RetryOptions, RetryPolicy } from './retry.js';
import { neverAborted } from './signal.js';
import { TimeoutPolicy } from './timeout.js';

/** The policies for one upstream (one origin); `false` leaves one out. */
export interface UpstreamPolicies {
  /** Breaker options from a preset; the breaker is then named `<preset>:<host>`. */
  preset?: PresetName;
  /** Breaker name; default `<preset>:<host>`, or the host. */
  breaker?: string;
  /** Extra breaker options, or false for no breaker. */
  breakerOptions?: BreakerDefaults | false;
  /** Retry options (only for `retryMethods`), or false for no retry. */
  retry?: RetryOptions | false;
  /** Methods safe to retry; default GET, HEAD, OPTIONS, PUT, DELETE. */
  retryMethods?: readonly string[];
  /** Deadline per attempt in ms, or false for none; default 10 s. */
  timeoutMs?: number | false;
  /** Concurrency limit for the upstream; default none. */
  bulkhead?: BulkheadOptions | false;
}

export interface ResilientHttpClientOptions {
  /** Per origin (`https://hooks.slack.com`); origins not listed get `defaults`. */
  upstreams?: Readonly<Record<string, UpstreamPolicies>>;
  defaults?: UpstreamPolicies;
  /** Where the breakers live (for metrics, health, cluster, admin); default a new registry. */
  registry?: BreakerRegistry;
  /** Gives `traceparent` from the current request (a Pipeline), unless `traceparent` is set. */
  pipeline?: TraceSource;
  /** The `traceparent` header to send, read at each call; default from `pipeline`. */
  traceparent?: () => string | undefined;
  dispatcher?: Dispatcher;
  clock?: Clock;
}

export const DEFAULT_UPSTREAM_TIMEOUT_MS = 10_000;
export const DEFAULT_RETRY_METHODS: readonly string[] = Object.freeze([
  'GET',
  'HEAD',
  'OPTIONS',
  'PUT',
  'DELETE',
]);
/** Statuses worth another attempt: the upstream says "later", not "no". */
const RETRY_STATUSES = new Set([408, 429, 502, 503, 504]);

/** Retries the errors DEFAULT_RETRY_CLASSIFIER does and responses 408, 429, 502, 503, 504. */
export const HTTP_RETRY_CLASSIFIER: Classifier = Object.freeze({
  error: DEFAULT_RETRY_CLASSIFIER.error,
  result: (value: unknown) => RETRY_STATUSES.has(statusOf(value) ?? 0),
});

export interface ResilientHttpClient {
  /**
   * undici's fetch through the upstream's policies (outermost first: bulkhead, retry,
   * breaker, timeout per attempt), with `traceparent`. A 5xx/429 counts against the breaker
   * and comes back as the response; an open breaker throws BW_BREAKER_OPEN.
   */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>;
  /** The composed policy for an origin (made on first use). */
  policyFor(origin: string, method?: string): Policy;
  /** The breaker of an origin, once it has one. */
  breakerFor(origin: string): CircuitBreaker | undefined;
  readonly registry: BreakerRegistry;
}

interface Upstream {
  breaker: CircuitBreaker | undefined;
  withRetry: Policy;
  withoutRetry: Policy;
  retryMethods: ReadonlySet<string>;
}

/**
 * An HTTP client (undici 7) that applies resilience policies per upstream, keyed by
 * origin, and propagates the trace context. Request bodies must be replayable (string,
 * bytes) when the method is retried.
 */
export function createResilientHttpClient(
  options: ResilientHttpClientOptions = {},
): ResilientHttpClient {
  const registry =
    options.registry ?? new BreakerRegistry(options.clock ? { clock: options.clock } : {});
  const pipeline = options.pipeline;
  const traceparent =
    options.traceparent ?? (pipeline ? () => outgoingTraceparent(pipeline) : () => undefined);
  const upstreams = new Map<string, Upstream>();
  const clock = options.clock ? { clock: options.clock } : {};

  const upstreamOf = (origin: string): Upstream => {
    const existing = upstreams.get(origin);
    if (existing) return existing;
    const config = options.upstreams?.[origin] ?? options.defaults ?? {};
    const host = new URL(origin).host;
    const breaker =
      config.breakerOptions === false
        ? undefined
        : registry.get(config.breaker ?? (config.preset ? `${config.preset}:${host}` : host), {
            classifier: HTTP_CLASSIFIER,
            ...config.breakerOptions,
          });
    const retry =
      config.retry === false
        ? undefined
        : new RetryPolicy({
            name: host,
            retryOn: HTTP_RETRY_CLASSIFIER,
            dispose: (value) => (value as Response).body?.cancel(),
            ...clock,
            ...config.retry,
          });
    const timeoutMs = config.timeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
    const timeout =
      timeoutMs === false ? undefined : new TimeoutPolicy(timeoutMs, { name: host, ...clock });
    const bulkhead =
      config.bulkhead === false || config.bulkhead === undefined
        ? undefined
        : new BulkheadPolicy({ name: host, ...clock, ...config.bulkhead });
    const compose = (withRetry: boolean): Policy => {
      const chain = [bulkhead, withRetry ? retry : undefined, breaker, timeout].filter(
        (p): p is NonNullable<typeof p> => p !== undefined,
      );
      return chain.length === 0 ? PASS_THROUGH : wrap(...chain);
    };
    const upstream: Upstream = {
      breaker,
      withRetry: compose(true),
      withoutRetry: compose(false),
      retryMethods: new Set(
        (config.retryMethods ?? DEFAULT_RETRY_METHODS).map((m) => m.toUpperCase()),
      ),
    };
    upstreams.set(origin, upstream);
    return upstream;
  };

  const policyFor = (origin: string, method = 'GET'): Policy => {
    const upstream = upstreamOf(new URL(origin).origin);
    return upstream.retryMethods.has(method.toUpperCase())
      ? upstream.withRetry
      : upstream.withoutRetry;
  };

  const clientFetch = async (input: string | URL, init: RequestInit = {}): Promise<Response> => {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      throw new BreakwaterError(errors.CONFIG_INVALID, `not an absolute URL: ${String(input)}`);
    }
    const headers = new Headers(init.headers);
    const parent = traceparent();
    if (parent !== undefined && !headers.has('traceparent')) headers.set('traceparent', parent);
    const signal = (init.signal as AbortSignal | null | undefined) ?? neverAborted();
    const dispatcher = init.dispatcher ?? options.dispatcher;
    const policy = policyFor(url.origin, init.method ?? 'GET');
    return policy.execute(
      (attemptSignal) =>
        undiciFetch(url as unknown as RequestInfo, {
          ...init,
          headers,
          signal: attemptSignal,
          ...(dispatcher ? { dispatcher } : {}),
        }),
      signal,
    );
  };

  return {
    fetch: clientFetch,
    policyFor,
    breakerFor: (origin) => upstreams.get(new URL(origin).origin)?.breaker,
    registry,
  };
}

const PASS_THROUGH: Policy = {
  execute: async (fn, signal = neverAborted()) => fn(signal),
};
