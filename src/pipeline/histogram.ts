import type { Metric, Registry } from 'prom-client';

/** prom-client's default buckets, in seconds: the pipeline's histograms use the same. */
export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/** Records one observation in seconds. */
export type Observe = (seconds: number) => void;

/** One label set's state: a count per bucket (the last one is +Inf), their sum and count. */
interface Series {
  readonly labels: Readonly<Record<string, string>>;
  readonly counts: number[];
  sum: number;
  count: number;
  readonly observe: Observe;
}

/** A value as prom-client's registry formats it (`sharedLabels` come after `labels`). */
interface ExportedValue {
  labels: Record<string, string | number>;
  sharedLabels?: Readonly<Record<string, string>>;
  value: number;
  metricName: string;
}

/**
 * A Prometheus histogram for the pipeline's hot paths (one observation per request and per
 * span). `observer(first, second, third?)` returns the observer of one label set, made once and kept, so
 * an observation is a bucket search and three additions; prom-client's Histogram validates
 * and hashes a label object on every `observe`, even through `labels(...)`. It registers in a
 * prom-client Registry like any metric and exports the same text and JSON. Label values must
 * come from a bounded set (route templates, status classes, span names).
 */
export class SeriesHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly upperBounds: readonly number[];
  /** Series by first label value, then second (then third): no key string per observation. */
  #byValue = new Map<string, unknown>();
  #series: Series[] = [];

  constructor(config: {
    name: string;
    help: string;
    labelNames: readonly string[];
    buckets?: readonly number[];
    registers?: Registry[];
  }) {
    if (config.labelNames.length < 2 || config.labelNames.length > 3) {
      throw new RangeError('a SeriesHistogram takes two or three label names');
    }
    const buckets = config.buckets ?? DEFAULT_BUCKETS;
    if (buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= (buckets[i - 1] as number)))) {
      throw new RangeError('buckets must be finite and increasing');
    }
    this.name = config.name;
    this.help = config.help;
    this.labelNames = Object.freeze([...config.labelNames]);
    this.upperBounds = Object.freeze([...buckets]);
    // prom-client's Registry accepts any metric with name, help, type and get().
    for (const registry of config.registers ?? []) {
      registry.registerMetric(this as unknown as Metric);
    }
  }

  /**
   * The observer of the series with these label values, in `labelNames` order (`third` only
   * for a histogram with three labels). Made on first use; later calls are map lookups.
   */
  observer(first: string, second: string, third?: string): Observe {
    const arity = this.labelNames.length;
    if ((third === undefined ? 2 : 3) !== arity) {
      throw new RangeError(`${this.name} takes ${arity} label values`);
    }
    let level = this.#child(this.#byValue, first);
    let leaf = second;
    if (third !== undefined) {
      level = this.#child(level, second);
      leaf = third;
    }
    let series = level.get(leaf) as Series | undefined;
    if (series === undefined) {
      series = this.#newSeries(third === undefined ? [first, second] : [first, second, third]);
      level.set(leaf, series);
    }
    return series.observe;
  }

  #child(map: Map<string, unknown>, value: string): Map<string, unknown> {
    let next = map.get(value) as Map<string, unknown> | undefined;
    if (next === undefined) {
      next = new Map();
      map.set(value, next);
    }
    return next;
  }

  #newSeries(values: string[]): Series {
    const labels: Record<string, string> = {};
    this.labelNames.forEach((name, i) => {
      labels[name] = values[i] as string;
    });
    const bounds = this.upperBounds;
    const series: Series = {
      labels: Object.freeze(labels),
      counts: new Array<number>(bounds.length + 1).fill(0),
      sum: 0,
      count: 0,
      observe: (seconds) => {
        if (!Number.isFinite(seconds)) return;
        let i = 0;
        while (i < bounds.length && seconds > (bounds[i] as number)) i++;
        series.counts[i] = (series.counts[i] as number) + 1;
        series.sum += seconds;
        series.count++;
      },
    };
    this.#series.push(series);
    return series;
  }

  /** Forgets every observation (prom-client's `registry.resetMetrics()`). */
  reset(): void {
    for (const series of this.#series) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }

  /** What prom-client's registry turns into the text format (labels shared per series). */
  async getForPromString() {
    return { ...this.#header(), values: this.#values() };
  }

  /** The JSON form (`registry.getMetricsAsJSON()`): each value carries all its labels. */
  async get() {
    const values = this.#values().map(({ labels, sharedLabels, value, metricName }) => ({
      labels: { ...labels, ...sharedLabels },
      value,
      metricName,
      // prom-client's buckets carry an (empty) exemplar slot; sum and count do not.
      ...('le' in labels ? { exemplar: null } : {}),
    }));
    return { ...this.#header(), values };
  }

  #header() {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator };
  }

  #values(): ExportedValue[] {
    const values: ExportedValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const series of this.#series) {
      if (series.count === 0) continue;
      const sharedLabels = series.labels;
      let cumulative = 0;
      this.upperBounds.forEach((le, i) => {
        cumulative += series.counts[i] as number;
        values.push({ labels: { le }, sharedLabels, value: cumulative, metricName: bucket });
      });
      values.push(
        { labels: { le: '+Inf' }, sharedLabels, value: series.count, metricName: bucket },
        { labels: {}, sharedLabels, value: series.sum, metricName: `${this.name}_sum` },
        { labels: {}, sharedLabels, value: series.count, metricName: `${this.name}_count` },
      );
    }
    return values;
  }
}
