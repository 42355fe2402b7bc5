import { collectDefaultMetrics, Gauge, Histogram, type Metric, Registry } from 'prom-client';

/** The pipeline's metrics, all in one registry that later capabilities add theirs to. */
export interface PipelineMetrics {
  readonly registry: Registry;
  readonly requestDuration: Histogram<'method' | 'route' | 'status_class'>;
  readonly inFlight: Gauge;
  readonly spanDuration: Histogram<'name' | 'outcome'>;
}

export const REQUEST_DURATION_METRIC = 'http_server_request_duration_seconds';
export const IN_FLIGHT_METRIC = 'http_server_requests_in_flight';
export const SPAN_DURATION_METRIC = 'breakwater_span_duration_seconds';

/** Returns the metric already registered under `name` (a shared registry), or makes it. */
function reuse<T extends Metric>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * Registers the pipeline's metrics (and, unless told not to, prom-client's default process
 * and event-loop metrics) in `registry`, a new one when none is given, never the global one.
 */
export function createMetrics(
  registry: Registry = new Registry(),
  options: { defaultMetrics?: boolean } = {},
): PipelineMetrics {
  const registers = [registry];
  const requestDuration = reuse(
    registry,
    REQUEST_DURATION_METRIC,
    () =>
      new Histogram({
        name: REQUEST_DURATION_METRIC,
        help: 'Duration of HTTP requests served, by method, route template and status class.',
        labelNames: ['method', 'route', 'status_class'] as const,
        registers,
      }),
  );
  const inFlight = reuse(
    registry,
    IN_FLIGHT_METRIC,
    () => new Gauge({ name: IN_FLIGHT_METRIC, help: 'HTTP requests being served.', registers }),
  );
  const spanDuration = reuse(
    registry,
    SPAN_DURATION_METRIC,
    () =>
      new Histogram({
        name: SPAN_DURATION_METRIC,
        help: 'Duration of named operations run with withSpan, by name and outcome.',
        labelNames: ['name', 'outcome'] as const,
        registers,
      }),
  );
  if (options.defaultMetrics !== false && !registry.getSingleMetric('process_cpu_seconds_total')) {
    collectDefaultMetrics({ register: registry });
  }
  return { registry, requestDuration, inFlight, spanDuration };
}

const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'CONNECT',
]);

/** The method as a label; anything unusual is folded into `_OTHER` to bound cardinality. */
export function methodLabel(method: string): string {
  if (KNOWN_METHODS.has(method)) return method;
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

const STATUS_CLASSES = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

/** 204 -> `2xx`. */
export function statusClass(status: number): string {
  const index = Math.floor(status / 100);
  return STATUS_CLASSES[index] ?? `${index}xx`;
}

/** Records one observation in seconds. */
export type Observe = (seconds: number) => void;

/**
 * Per-label-set observers of a histogram, made once per distinct label values and kept:
 * observing then skips building a label object per call. The label values must come from a
 * bounded set (route templates, status classes, span names), as they must for any metric.
 */
export function labelledObservers<L extends string>(
  histogram: Histogram<L>,
): (first: string, second: string, third?: string) => Observe {
  const children = new Map<string, Observe>();
  return (first, second, third) => {
    const key =
      third === undefined ? `${first}\u0000${second}` : `${first}\u0000${second}\u0000${third}`;
    let observe = children.get(key);
    if (observe === undefined) {
      const values = third === undefined ? [first, second] : [first, second, third];
      const child = histogram.labels(...values);
      observe = (seconds) => child.observe(seconds);
      children.set(key, observe);
    }
    return observe;
  };
}
