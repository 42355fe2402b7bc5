import { describe, expect, it } from 'vitest';
import { DEFAULT_ANALYSIS, resolveAnalysis } from '../../src/analysis/options.js';
import { analysisSchema } from '../../src/analysis/schema.js';
import { hasCode } from '../../src/errors/breakwater-error.js';
import { errors } from '../../src/errors/registry.js';

/** The first issue of a failed parse as "path: message". */
function problem(input: unknown): string {
  const parsed = analysisSchema.safeParse(input);
  if (parsed.success) return 'accepted';
  const issue = parsed.error.issues[0];
  return `${issue?.path.join('.')}: ${issue?.message}`;
}

describe('DEFAULT_ANALYSIS', () => {
  it('holds the numbers of issue #9', () => {
    expect(DEFAULT_ANALYSIS).toEqual({
      minSample: 100,
      failureLimit: 0,
      triggers: {
        windowMs: 30_000,
        minRequests: 20,
        errorRate: { above: 0.05, sustainMs: 2 * 60_000, action: 'rollback' },
        meanLatency: { aboveMs: 2_000, sustainMs: 5 * 60_000, action: 'step-down' },
        healthFailures: { consecutive: 3, withinMs: 60_000, action: 'rollback' },
        memory: { aboveRatio: 0.9, sustainMs: 3 * 60_000, action: 'step-down', limitBytes: null },
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
    expect(Object.isFrozen(DEFAULT_ANALYSIS.triggers.errorRate)).toBe(true);
  });
});

describe('resolveAnalysis', () => {
  it('merges a partial input over the defaults, deep, into a fresh object', () => {
    const resolved = resolveAnalysis({
      minSample: 50,
      triggers: { errorRate: { sustainMs: 2_000 }, memory: { limitBytes: 512 * 1024 * 1024 } },
      mannWhitney: { enabled: true },
    });
    expect(resolved.minSample).toBe(50);
    expect(resolved.triggers.errorRate).toEqual({
      above: 0.05,
      sustainMs: 2_000,
      action: 'rollback',
    });
    expect(resolved.triggers.memory.limitBytes).toBe(536_870_912);
    expect(resolved.triggers.meanLatency).toEqual(DEFAULT_ANALYSIS.triggers.meanLatency);
    expect(resolved.mannWhitney).toEqual({ enabled: true, confidence: 0.98 });
    expect(resolved.triggers).not.toBe(DEFAULT_ANALYSIS.triggers);
    expect(resolveAnalysis()).toEqual(DEFAULT_ANALYSIS);
    expect(
      resolveAnalysis({ triggers: { memory: { limitBytes: null } } }).triggers.memory.limitBytes,
    ).toBeNull();
  });

  it('throws BW_CONFIG_INVALID naming the field', () => {
    let thrown: unknown;
    try {
      resolveAnalysis({ triggers: { errorRate: { above: 5 } } });
    } catch (error) {
      thrown = error;
    }
    expect(hasCode(thrown, errors.CONFIG_INVALID)).toBe(true);
    expect((thrown as Error).message).toBe('analysis.triggers.errorRate.above: must be at most 1');
  });
});

describe('analysisSchema', () => {
  it('accepts an empty object and a full one', () => {
    expect(problem({})).toBe('accepted');
    expect(problem(structuredClone(DEFAULT_ANALYSIS))).toBe('accepted');
  });

  it('rejects bad values with messages that name the problem', () => {
    expect(problem({ triggers: { errorRate: { above: 0 } } })).toBe(
      'triggers.errorRate.above: must be greater than 0',
    );
    expect(problem({ triggers: { errorRate: { above: 1.5 } } })).toBe(
      'triggers.errorRate.above: must be at most 1',
    );
    expect(problem({ triggers: { errorRate: { sustainMs: 1.5 } } })).toBe(
      'triggers.errorRate.sustainMs: must be a whole number of milliseconds',
    );
    expect(problem({ triggers: { meanLatency: { sustainMs: 86_400_001 } } })).toBe(
      'triggers.meanLatency.sustainMs: must be at most 86400000 ms (one day)',
    );
    expect(problem({ triggers: { windowMs: '30s' } })).toBe(
      'triggers.windowMs: must be a whole number of milliseconds',
    );
    expect(problem({ triggers: { healthFailures: { action: 'panic' } } })).toBe(
      'triggers.healthFailures.action: must be "rollback" or "step-down"',
    );
    expect(problem({ triggers: { healthFailures: { consecutive: 0 } } })).toBe(
      'triggers.healthFailures.consecutive: must be at least 1',
    );
    expect(problem({ triggers: { memory: { limitBytes: -1 } } })).toBe(
      'triggers.memory.limitBytes: must be at least 1',
    );
    expect(problem({ regression: { p95Ratio: -1.2 } })).toBe(
      'regression.p95Ratio: must be greater than 0',
    );
    expect(problem({ regression: { errorRateSlack: Number.NaN } })).toBe(
      'regression.errorRateSlack: must be a finite number',
    );
    expect(problem({ mannWhitney: { confidence: 98 } })).toBe(
      'mannWhitney.confidence: must be less than 1 (e.g. 0.98)',
    );
    expect(problem({ mannWhitney: { enabled: 'yes' } })).toBe(
      'mannWhitney.enabled: must be true or false',
    );
    expect(problem({ minSample: 0 })).toBe('minSample: must be at least 1');
    expect(problem({ failureLimit: 1.5 })).toBe('failureLimit: must be a whole number');
  });

  it('rejects unknown fields at every level', () => {
    expect(problem({ minSamples: 10 })).toMatch(/^: Unrecognized key: "minSamples"/);
    expect(problem({ triggers: { errorRate: { threshold: 0.1 } } })).toMatch(
      /^triggers\.errorRate: Unrecognized key: "threshold"/,
    );
  });
});
