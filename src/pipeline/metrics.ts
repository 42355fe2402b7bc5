import { collectDefaultMetrics, Gauge, type Metric, Registry } from 'prom-client';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { SeriesHistogram } from './histogram.js';

export type { Observe } from './histogram.js';

/** Counts requests being served; the gauge reads the count when scraped. */
export interface InFlightCounter {
  inc(): void;
  dec(): void;
}

/** The pipeline's metrics, all in one registry that later capabilities add theirs to. */
export interface PipelineMetrics {
  readonly registry: Registry;
  /** Labels method, route, status_class. */
  readonly requestDuration: SeriesHistogram;
  readonly inFlight: InFlightCounter;
  /** Labels name, outcome. */
  readonly spanDuration: SeriesHistogram;
}

export const REQUEST_DURATION_METRIC = 'http_server_request_duration_seconds';
export const IN_FLIGHT_METRIC = 'http_server_requests_in_flight';
export const SPAN_DURATION_METRIC = 'breakwater_span_duration_seconds';

/** The count behind each in-flight gauge, so pipelines sharing a registry share the count. */
const inFlightCounts = new WeakMap<object, { value: number }>();

/**
 * The pipeline's histogram already in a shared registry, or a new one. Another kind of metric
 * under the name (registered by something else) is a configuration error.
 */
function histogram(
  registry: Registry,
  config: { name: string; help: string; labelNames: readonly string[] },
): SeriesHistogram {
  const existing: unknown = registry.getSingleMetric(config.name);
  if (existing === undefined) return new SeriesHistogram({ ...config, registers: [registry] });
  if (typeof (existing as Partial<SeriesHistogram>).observer === 'function') {
    return existing as SeriesHistogram;
  }
  throw new BreakwaterError(
    errors.CONFIG_INVALID,
    `createPipeline: the registry already holds another metric named ${config.name}`,
  );
}

function inFlightCounter(registry: Registry): InFlightCounter {
  const gauge: Metric =
    registry.getSingleMetric(IN_FLIGHT_METRIC) ??
    new Gauge({
      name: IN_FLIGHT_METRIC,
      help: 'HTTP requests being served.',
      registers: [registry],
      // Requests are counted in a plain number; the gauge takes it when scraped.
      collect(this: Gauge) {
        this.set(inFlightCounts.get(this)?.value ?? 0);
      },
    });
  let count = inFlightCounts.get(gauge);
  if (count === undefined) {
    count = { value: 0 };
    inFlightCounts.set(gauge, count);
  }
  const shared = count;
  return {
    inc: () => {
      shared.value++;
    },
    dec: () => {
      shared.value--;
    },
  };
}

/**
 * Registers the pipeline's metrics (and, unless told not to, prom-client's default process
 * and event-loop metrics) in `registry`, a new one when none is given, never the global one.
 */
export function createMetrics(
  registry: Registry = new Registry(),
  options: { defaultMetrics?: boolean } = {},
): PipelineMetrics {
  const requestDuration = histogram(registry, {
    name: REQUEST_DURATION_METRIC,
    help: 'Duration of HTTP requests served, by method, route template and status class.',
    labelNames: ['method', 'route', 'status_class'],
  });
  const spanDuration = histogram(registry, {
    name: SPAN_DURATION_METRIC,
    help: 'Duration of named operations run with withSpan, by name and outcome.',
    labelNames: ['name', 'outcome'],
  });
  const inFlight = inFlightCounter(registry);
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
