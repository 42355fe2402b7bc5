import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { analysisSchema } from './schema.js';

/** What a fired trigger asks the rollout to do: back to blue at once, or one step down. */
export type TriggerAction = 'rollback' | 'step-down';

/** How a canary is judged: the rollback triggers checked every tick and each step's verdict. */
export interface AnalysisOptions {
  /** Requests green must have served in the step window before a verdict; fewer -> 'hold'. */
  minSample: number;
  /** Failed verdicts tolerated before the step counts as failed (Argo's failureLimit). */
  failureLimit: number;
  triggers: {
    /** Trailing window each tick's figures are computed over. */
    windowMs: number;
    /** Green requests a tick's window needs before error rate or latency are judged. */
    minRequests: number;
    errorRate: { above: number; sustainMs: number; action: TriggerAction };
    meanLatency: { aboveMs: number; sustainMs: number; action: TriggerAction };
    healthFailures: { consecutive: number; withinMs: number; action: TriggerAction };
    /** RSS above `aboveRatio` x `limitBytes`; `limitBytes: null` turns the trigger off. */
    memory: {
      aboveRatio: number;
      sustainMs: number;
      action: TriggerAction;
      limitBytes: number | null;
    };
  };
  /** Regression against blue over the same window: green fails the step beyond these. */
  regression: {
    p95Ratio: number;
    errorRateRatio: number;
    memoryRatio: number;
    /** Green's throughput per weight share must be at least this share of blue's. */
    throughputRatio: number;
    /** Absolute slack so sub-millisecond noise or 0-vs-0.1% never fails a step. */
    latencySlackMs: number;
    errorRateSlack: number;
  };
  /** Kayenta-style Mann-Whitney U test of green's latencies against blue's. */
  mannWhitney: { enabled: boolean; confidence: number };
}

/**
 * The defaults, all in one place, from issue #9 (our deployment procedures): error rate
 * above 5 % for 2 min -> rollback; mean response time above 2 s for 5 min -> step down;
 * 3 failed health checks in a row within 1 min -> rollback; memory above 90 % of its limit
 * for 3 min -> step down; regression limits p95 1.2x, error rate 2x, memory 1.3x,
 * throughput 0.8x; Mann-Whitney off, 98 % confidence when on.
 */
export const DEFAULT_ANALYSIS: AnalysisOptions = deepFreeze({
  minSample: 100,
  failureLimit: 0,
  triggers: {
    windowMs: 30_000,
    minRequests: 20,
    errorRate: { above: 0.05, sustainMs: 120_000, action: 'rollback' },
    meanLatency: { aboveMs: 2_000, sustainMs: 300_000, action: 'step-down' },
    healthFailures: { consecutive: 3, withinMs: 60_000, action: 'rollback' },
    memory: { aboveRatio: 0.9, sustainMs: 180_000, action: 'step-down', limitBytes: null },
  },
  regression: {
    p95Ratio: 1.2,
    errorRateRatio: 2,
    memoryRatio: 1.3,
    throughputRatio: 0.8,
    latencySlackMs: 5,
    errorRateSlack: 0.01,
  },
  mannWhitney: { enabled: false, confidence: 0.98 },
});

/** Every field optional, at every depth: what a config file may give. */
export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K];
};

/** Analysis options as a config file gives them; `resolveAnalysis` fills in the defaults. */
export type AnalysisInput = DeepPartial<AnalysisOptions>;

/**
 * Validates `input` with `analysisSchema` and merges it over DEFAULT_ANALYSIS (a fresh
 * object; the defaults are never shared). Throws BW_CONFIG_INVALID naming the field.
 */
export function resolveAnalysis(input: AnalysisInput = {}): AnalysisOptions {
  const parsed = analysisSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = ['analysis', ...(issue?.path.map(String) ?? [])].join('.');
    throw new BreakwaterError(errors.CONFIG_INVALID, `${where}: ${issue?.message}`);
  }
  return merge(DEFAULT_ANALYSIS, parsed.data) as AnalysisOptions;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function merge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base)) return over === undefined ? base : over;
  const out: Record<string, unknown> = {};
  const patch = isPlainObject(over) ? over : {};
  for (const [key, value] of Object.entries(base)) out[key] = merge(value, patch[key]);
  return out;
}

function deepFreeze<T>(value: T): T {
  if (isPlainObject(value)) for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}
