import { median } from './args.js';

/**
 * The servers of `npm run bench:pipeline`, in the order they run each round: the headline
 * pair (`plain`, `pipeline`) and the informative `full` reference service.
 */
export const VARIANTS = ['plain', 'pipeline', 'full'] as const;
export type Variant = (typeof VARIANTS)[number];

/** Row labels: the full service is named for what it adds, so no one reads it as the pipeline. */
export const LABELS: Record<Variant, string> = {
  plain: 'plain Fastify: route plugin, API-key auth, SQLite repository',
  pipeline: 'same + Breakwater pipeline (plugin, setIdentity, withSpan per query)',
  full: 'reference service with every capability: versioning, idempotency, quotas (informative)',
};

/** The ratio the benchmark is about must reach this (issue #3). */
export const AIM_RATIO = 0.85;

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

/** A server's figures against plain Fastify's. */
export interface Ratio {
  /** Median req/s of the server over median req/s of plain Fastify. */
  byRequests: number;
  /**
   * Plain Fastify's CPU per request over the server's: the throughput ratio two servers with
   * a core each would reach, and far steadier on a shared machine.
   */
  byCpu: number | undefined;
}

export interface PipelineBenchResult {
  summary: Record<Variant, VariantSummary>;
  /** The headline: the pipeline plugin against the same route on plain Fastify. */
  pipeline: Ratio;
  /** Informative: the whole reference service against the same route on plain Fastify. */
  full: Ratio;
}

export function progressLine(run: Run, rounds: number): string {
  const cpu =
    run.cpuUsPerRequest === undefined ? '' : `  cpu ${run.cpuUsPerRequest.toFixed(0)} us/req`;
  return `round ${run.round}/${rounds} ${run.variant.padEnd(8)} ${run.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${run.latencyP50Ms} ms  p99 ${run.latencyP99Ms} ms${cpu}  non-2xx ${run.non2xx}  errors ${run.errors}`;
}

function ratio(server: VariantSummary, plain: VariantSummary): Ratio {
  const [withCpu, withoutCpu] = [server.medianCpuUsPerRequest, plain.medianCpuUsPerRequest];
  return {
    byRequests: server.medianRequestsPerSecond / plain.medianRequestsPerSecond,
    byCpu:
      withCpu !== undefined && withoutCpu !== undefined && withCpu > 0
        ? withoutCpu / withCpu
        : undefined,
  };
}

/** Medians per variant over the rounds, and the ratios against plain Fastify. */
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
  return {
    summary,
    pipeline: ratio(summary.pipeline, summary.plain),
    full: ratio(summary.full, summary.plain),
  };
}

function ratioText(r: Ratio): string {
  const cpu = r.byCpu === undefined ? '' : `, ${r.byCpu.toFixed(3)} by server CPU per request`;
  return `${r.byRequests.toFixed(3)} by req/s${cpu}`;
}

/** The human table: a Markdown table that can be pasted into docs/benchmarks.md. */
export function formatTable(
  result: PipelineBenchResult,
  setup: { connections: number; durationS: number; rounds: number; warmupS: number },
  route: string,
  logs: string,
): string {
  const rows = VARIANTS.map((variant) => {
    const s = result.summary[variant];
    const cpu = s.medianCpuUsPerRequest === undefined ? 'n/a' : s.medianCpuUsPerRequest.toFixed(0);
    return `| ${LABELS[variant]} | ${s.medianRequestsPerSecond.toFixed(0)} | ${s.medianLatencyP50Ms} | ${s.medianLatencyP99Ms} | ${cpu} | ${s.non2xx} | ${s.errors} |`;
  });
  const verdict = (value: number | undefined) =>
    value === undefined ? 'n/a' : value >= AIM_RATIO ? 'met' : 'not met';
  return [
    '',
    `${route}, ${setup.connections} connections, ${setup.durationS} s per run, median of ${setup.rounds} alternating rounds, ${setup.warmupS} s warm-up before each run; ${logs}`,
    '',
    '| server | req/s | p50 ms | p99 ms | server CPU us/req | non-2xx | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `pipeline / plain: ${ratioText(result.pipeline)}; aim >= ${AIM_RATIO}: ${verdict(result.pipeline.byRequests)} by req/s, ${verdict(result.pipeline.byCpu)} by CPU`,
    `every capability / plain (informative, not the aim): ${ratioText(result.full)}`,
    '',
  ].join('\n');
}
