import { formatBytes, formatMs, formatPercent, formatRatio, safeRatio } from './format.js';
import { type MannWhitneyResult, mannWhitneyU } from './mann-whitney.js';
import type { AnalysisOptions } from './options.js';
import type { WindowSamples } from './samples.js';
import { summarize, type VersionFigures } from './summary.js';

/** Samples each side needs before the Mann-Whitney test is run. */
export const MANN_WHITNEY_MIN_SAMPLES = 20;

/** One comparison of green against blue in a step's verdict. */
export interface CheckResult {
  name: 'p95-latency' | 'error-rate' | 'memory' | 'throughput' | 'mann-whitney';
  /** False only for a check that ran and found a regression; a skipped check passes. */
  passed: boolean;
  /** Not evaluated (unknown RSS, too little data): counts neither way in the score. */
  skipped: boolean;
  green: number | null;
  blue: number | null;
  /** green / blue, null when blue is 0 or either is unknown. */
  ratio: number | null;
  /** The limit applied (a ratio; for an absolute error-rate check, the rate itself). */
  limit: number;
  detail: string;
}

/** A step's judgement, recorded in the deploy history: JSON-safe (no NaN, no Infinity). */
export interface Verdict {
  result: 'pass' | 'fail' | 'hold';
  /** One readable line naming the failed checks with their numbers. */
  reason: string;
  /** Kayenta-style: share of evaluated checks passed, 0-100 (100 when none was evaluated). */
  score: number;
  checks: CheckResult[];
  green: VersionFigures;
  blue: VersionFigures;
  mannWhitney?: MannWhitneyResult;
}

export interface JudgeStepInput {
  /** Both versions' samples over the same window. */
  green: WindowSamples;
  blue: WindowSamples;
  /** The routing weights of the step (any scale: 10/90 or 0.1/0.9). */
  greenWeight: number;
  blueWeight: number;
  greenRssBytes?: number;
  blueRssBytes?: number;
  options: AnalysisOptions;
}

/**
 * Judges a canary step from both versions' samples over the step's window.
 * - 'hold' when green served fewer than `minSample` requests: too little data to pass.
 * - Relative checks against blue: p95 above `p95Ratio` x blue and more than
 *   `latencySlackMs` above it; error rate above `errorRateRatio` x blue and more than
 *   `errorRateSlack` above it; RSS above `memoryRatio` x blue (skipped when either RSS is
 *   unknown); throughput per weight share below `throughputRatio` x blue's (skipped when
 *   blue had no traffic); Mann-Whitney outcome 'higher' when enabled and both sides have
 *   20 samples. Any failed check fails the step.
 * - When blue itself served fewer than `minSample` requests, the p95 and throughput checks
 *   are skipped ("blue has too little data") and green's error rate is held to the absolute
 *   trigger limit `triggers.errorRate.above` instead of to blue's.
 */
export function judgeStep(input: JudgeStepInput): Verdict {
  const { options } = input;
  const green = summarize(input.green);
  const blue = summarize(input.blue);
  if (green.requests < options.minSample) {
    const reason = `too little data: ${green.requests} of ${options.minSample} requests`;
    return { result: 'hold', reason, score: 0, checks: [], green, blue };
  }
  const blueShort =
    blue.requests < options.minSample
      ? `blue has too little data: ${blue.requests} of ${options.minSample} requests`
      : undefined;
  const r = options.regression;
  const checks: CheckResult[] = [];

  const gP95 = green.p95Ms as number;
  const bP95 = blue.p95Ms;
  if (blueShort !== undefined || bP95 === null)
    checks.push(skipped('p95-latency', gP95, bP95, r.p95Ratio, blueShort ?? 'no blue data'));
  else
    checks.push({
      name: 'p95-latency',
      passed: !(gP95 > r.p95Ratio * bP95 && gP95 - bP95 > r.latencySlackMs),
      skipped: false,
      green: gP95,
      blue: bP95,
      ratio: safeRatio(gP95, bP95),
      limit: r.p95Ratio,
      detail: `p95 ${formatMs(gP95)} vs blue ${formatMs(bP95)} (${formatRatio(safeRatio(gP95, bP95))}, limit ${r.p95Ratio}x and +${r.latencySlackMs} ms)`,
    });

  const gErr = green.errorRate;
  const bErr = blue.errorRate;
  if (blueShort !== undefined) {
    const above = options.triggers.errorRate.above;
    checks.push({
      name: 'error-rate',
      passed: !(gErr > above),
      skipped: false,
      green: gErr,
      blue: bErr,
      ratio: null,
      limit: above,
      detail: `error rate ${formatPercent(gErr)} against the absolute limit ${formatPercent(above)} (${blueShort})`,
    });
  } else
    checks.push({
      name: 'error-rate',
      passed: !(gErr > r.errorRateRatio * bErr && gErr - bErr > r.errorRateSlack),
      skipped: false,
      green: gErr,
      blue: bErr,
      ratio: safeRatio(gErr, bErr),
      limit: r.errorRateRatio,
      detail: `error rate ${formatPercent(gErr)} vs blue ${formatPercent(bErr)} (${green.failures} of ${green.requests} vs ${blue.failures} of ${blue.requests}; limit ${r.errorRateRatio}x and +${formatPercent(r.errorRateSlack)})`,
    });

  const gRss = input.greenRssBytes;
  const bRss = input.blueRssBytes;
  if (gRss === undefined || bRss === undefined || bRss <= 0)
    checks.push(skipped('memory', gRss ?? null, bRss ?? null, r.memoryRatio, 'RSS unknown'));
  else
    checks.push({
      name: 'memory',
      passed: !(gRss > r.memoryRatio * bRss),
      skipped: false,
      green: gRss,
      blue: bRss,
      ratio: gRss / bRss,
      limit: r.memoryRatio,
      detail: `RSS ${formatBytes(gRss)} vs blue ${formatBytes(bRss)} (${formatRatio(gRss / bRss)}, limit ${r.memoryRatio}x)`,
    });

  checks.push(throughputCheck(input, green, blue, blueShort));

  let mannWhitney: MannWhitneyResult | undefined;
  if (options.mannWhitney.enabled) {
    const enough =
      green.requests >= MANN_WHITNEY_MIN_SAMPLES && blue.requests >= MANN_WHITNEY_MIN_SAMPLES;
    if (!enough) {
      const detail = `needs ${MANN_WHITNEY_MIN_SAMPLES} samples a side (green ${green.requests}, blue ${blue.requests})`;
      checks.push(skipped('mann-whitney', null, null, options.mannWhitney.confidence, detail));
    } else {
      const mw = mannWhitneyU(
        input.green.latencies,
        input.blue.latencies,
        options.mannWhitney.confidence,
      );
      mannWhitney = mw;
      checks.push({
        name: 'mann-whitney',
        passed: mw.outcome !== 'higher',
        skipped: false,
        green: mw.greenMedianMs,
        blue: mw.blueMedianMs,
        ratio: safeRatio(mw.greenMedianMs, mw.blueMedianMs),
        limit: mw.confidence,
        detail: `latency ${mw.outcome === 'same' ? 'not significantly different from' : `${mw.outcome} than`} blue at ${formatPercent(mw.confidence)} confidence (median ${formatMs(mw.greenMedianMs)} vs ${formatMs(mw.blueMedianMs)}, U=${mw.u}, z=${mw.z.toFixed(2)}, p=${mw.pValue.toPrecision(3)})`,
      });
    }
  }

  const evaluated = checks.filter((check) => !check.skipped);
  const failed = evaluated.filter((check) => !check.passed);
  const score =
    evaluated.length === 0
      ? 100
      : Math.round((100 * (evaluated.length - failed.length)) / evaluated.length);
  const reason =
    failed.length > 0
      ? `failed ${failed.map((check) => `${check.name}: ${check.detail}`).join('; ')}`
      : `passed ${evaluated.length} checks, ${checks.length - evaluated.length} skipped: ${evaluated.map((check) => check.detail).join('; ')}`;
  return {
    result: failed.length > 0 ? 'fail' : 'pass',
    reason,
    score,
    checks,
    green,
    blue,
    ...(mannWhitney === undefined ? {} : { mannWhitney }),
  };
}

function skipped(
  name: CheckResult['name'],
  green: number | null,
  blue: number | null,
  limit: number,
  why: string,
): CheckResult {
  return {
    name,
    passed: true,
    skipped: true,
    green,
    blue,
    ratio: null,
    limit,
    detail: `skipped: ${why}`,
  };
}

/** Throughput per weight share: what each version would serve with all the traffic. */
function throughputCheck(
  input: JudgeStepInput,
  green: VersionFigures,
  blue: VersionFigures,
  blueShort: string | undefined,
): CheckResult {
  const limit = input.options.regression.throughputRatio;
  const total = input.greenWeight + input.blueWeight;
  const greenShare = total > 0 ? input.greenWeight / total : 0;
  const blueShare = total > 0 ? input.blueWeight / total : 0;
  if (blueShort !== undefined || blue.requests === 0 || greenShare <= 0 || blueShare <= 0) {
    const why = blueShort ?? (blue.requests === 0 ? 'blue had no traffic' : 'a weight is 0');
    return skipped('throughput', green.throughputRps, blue.throughputRps, limit, why);
  }
  const g = green.throughputRps / greenShare;
  const b = blue.throughputRps / blueShare;
  const ratio = safeRatio(g, b);
  return {
    name: 'throughput',
    passed: ratio === null || ratio >= limit,
    skipped: false,
    green: g,
    blue: b,
    ratio,
    limit,
    detail: `throughput per weight share ${g.toFixed(1)} vs blue ${b.toFixed(1)} rps (${green.throughputRps.toFixed(1)} rps at ${formatPercent(greenShare)} vs ${blue.throughputRps.toFixed(1)} rps at ${formatPercent(blueShare)}; ${formatRatio(ratio)}, limit ${limit}x)`,
  };
}
