import { median } from './args.js';

export const VARIANTS = ['pipeline', 'plain'] as const;
export type Variant = (typeof VARIANTS)[number];

/** One measured autocannon run against one server. */
export interface Run {
  variant: Variant;
  round: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Server CPU (user + system) per completed request; undefined without /proc. */
  cpuUsPerRequest: number | undefined;
}

export interface VariantSummary {
  medianRequestsPerSecond: number;
  medianLatencyP50Ms: number;
  medianLatencyP99Ms: number;
  non2xx: number;
  errors: number;
  medianCpuUsPerRequest: number | undefined;
}

export interface PipelineBenchResult {
  summary: Record<Variant, VariantSummary>;
  /** Median req/s with the pipeline over median req/s without it. */
  ratio: number;
  /**
   * Plain server CPU per request over pipeline server CPU per request: the throughput ratio
   * two servers with a core each would reach, and far steadier on a shared machine.
   */
  cpuRatio: number | undefined;
}

const LABELS: Record<Variant, string> = {
  pipeline: 'recognition API (Breakwater pipeline)',
  plain: 'same route, plain Fastify',
};

export function progressLine(run: Run, rounds: number): string {
  const cpu =
    run.cpuUsPerRequest === undefined ? '' : `  cpu ${run.cpuUsPerRequest.toFixed(0)} us/req`;
  return `round ${run.round}/${rounds} ${run.variant.padEnd(8)} ${run.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${run.latencyP50Ms} ms  p99 ${run.latencyP99Ms} ms${cpu}  non-2xx ${run.non2xx}  errors ${run.errors}`;
}

/** Medians per variant over the rounds, and the ratio the benchmark is about. */
export function summarize(runs: Run[]): PipelineBenchResult {
  const summary = {} as Record<Variant, VariantSummary>;
  for (const variant of VARIANTS) {
    const mine = runs.filter((r) => r.variant === variant);
    summary[variant] = {
      medianRequestsPerSecond: median(mine.map((r) => r.requestsPerSecond)),
      medianLatencyP50Ms: median(mine.map((r) => r.latencyP50Ms)),
      medianLatencyP99Ms: median(mine.map((r) => r.latencyP99Ms)),
      non2xx: mine.reduce((n, r) => n + r.non2xx, 0),
      errors: mine.reduce((n, r) => n + r.errors, 0),
      medianCpuUsPerRequest: mine.every((r) => r.cpuUsPerRequest !== undefined)
        ? median(mine.map((r) => r.cpuUsPerRequest as number))
        : undefined,
    };
  }
  const ratio = summary.pipeline.medianRequestsPerSecond / summary.plain.medianRequestsPerSecond;
  const [withCpu, withoutCpu] = [summary.pipeline, summary.plain].map(
    (s) => s.medianCpuUsPerRequest,
  );
  const cpuRatio =
    withCpu !== undefined && withoutCpu !== undefined && withCpu > 0
      ? withoutCpu / withCpu
      : undefined;
  return { summary, ratio, cpuRatio };
}

/** The human table: a Markdown table that can be pasted into docs/benchmarks.md. */
export function formatTable(
  result: PipelineBenchResult,
  setup: { connections: number; durationS: number; rounds: number; warmupS: number },
): string {
  const rows = VARIANTS.map((variant) => {
    const s = result.summary[variant];
    const cpu = s.medianCpuUsPerRequest === undefined ? 'n/a' : s.medianCpuUsPerRequest.toFixed(0);
    return `| ${LABELS[variant]} | ${s.medianRequestsPerSecond.toFixed(0)} | ${s.medianLatencyP50Ms} | ${s.medianLatencyP99Ms} | ${cpu} | ${s.non2xx} | ${s.errors} |`;
  });
  return [
    '',
    `GET /v2/recognitions/:id, ${setup.connections} connections, ${setup.durationS} s per run, median of ${setup.rounds} alternating rounds, ${setup.warmupS} s warm-up before each run`,
    '',
    '| server | req/s | p50 ms | p99 ms | server CPU us/req | non-2xx | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `ratio pipeline / plain: ${result.ratio.toFixed(3)} by req/s (aim >= 0.85)` +
      (result.cpuRatio === undefined
        ? ''
        : `, ${result.cpuRatio.toFixed(3)} by server CPU per request`),
    '',
  ].join('\n');
}
