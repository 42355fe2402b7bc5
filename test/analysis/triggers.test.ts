import { describe, expect, it } from 'vitest';
import { DEFAULT_ANALYSIS, resolveAnalysis } from '../../src/analysis/options.js';
import type { VersionFigures } from '../../src/analysis/summary.js';
import { TriggerMonitor } from '../../src/analysis/triggers.js';

/** Green's figures over a tick's window: `requests` requests, a share failed, a mean. */
function figures(requests: number, errorRate: number, meanMs: number | null = 50): VersionFigures {
  return {
    requests,
    failures: Math.round(requests * errorRate),
    errorRate,
    p50Ms: meanMs,
    p95Ms: meanMs,
    p99Ms: meanMs,
    meanMs,
    throughputRps: requests / 30,
  };
}

const MiB = 1_048_576;
const short = resolveAnalysis({
  triggers: {
    errorRate: { sustainMs: 2_000 },
    meanLatency: { sustainMs: 5_000 },
    memory: { sustainMs: 3_000, limitBytes: 100 * MiB },
  },
}).triggers;

describe('TriggerMonitor: error rate', () => {
  it('fires a rollback once the error rate has stayed above 5 % for sustainMs', () => {
    const monitor = new TriggerMonitor(short);
    expect(monitor.tick(10_000, figures(400, 0.2))).toBeUndefined();
    expect(monitor.tick(11_000, figures(400, 0.2))).toBeUndefined();
    expect(monitor.snapshot()['error-rate']).toEqual({
      breachedSinceMs: 10_000,
      firesAtMs: 12_000,
    });
    const firing = monitor.tick(12_000, figures(412, 0.203));
    expect(firing).toMatchObject({
      trigger: 'error-rate',
      action: 'rollback',
      reason: 'error rate 20.3% above 5% for 2.0 s (84 of 412 requests failed)',
      alsoFired: [],
    });
    expect(firing?.figures).toMatchObject({ errorRate: 0.203, requests: 412, sustainedMs: 2_000 });
  });

  it('does not fire at exactly the limit, and starts over after a good tick', () => {
    const monitor = new TriggerMonitor(short);
    monitor.tick(0, figures(100, 0.05));
    expect(monitor.tick(5_000, figures(100, 0.05))).toBeUndefined();
    monitor.tick(6_000, figures(100, 0.1));
    monitor.tick(7_000, figures(100, 0.01)); // good: the count starts again
    monitor.tick(8_000, figures(100, 0.1));
    expect(monitor.tick(9_000, figures(100, 0.1))).toBeUndefined();
    expect(monitor.tick(10_000, figures(100, 0.1))?.trigger).toBe('error-rate');
  });

  it('leaves the condition unchanged on ticks with fewer than minRequests requests', () => {
    const monitor = new TriggerMonitor(short);
    monitor.tick(0, figures(100, 0.5));
    // 19 of 20 needed: neither breach nor clear, even with a perfect error rate
    expect(monitor.tick(1_000, figures(19, 0))).toBeUndefined();
    expect(monitor.snapshot()['error-rate'].breachedSinceMs).toBe(0);
    expect(monitor.tick(2_000, figures(19, 1))).toBeUndefined();
    expect(monitor.tick(2_000, figures(20, 0.5))?.trigger).toBe('error-rate');
  });

  it('re-arms after firing: the next firing needs another full sustainMs', () => {
    const monitor = new TriggerMonitor(short);
    monitor.tick(0, figures(100, 0.5));
    expect(monitor.tick(2_000, figures(100, 0.5))).toBeDefined();
    expect(monitor.tick(3_000, figures(100, 0.5))).toBeUndefined();
    expect(monitor.tick(4_000, figures(100, 0.5))).toBeUndefined();
    expect(monitor.tick(5_000, figures(100, 0.5))?.trigger).toBe('error-rate');
  });

  it('waits the default 2 minutes with the default options', () => {
    const monitor = new TriggerMonitor(DEFAULT_ANALYSIS.triggers);
    for (let t = 0; t < 120_000; t += 1_000)
      expect(monitor.tick(t, figures(100, 0.2))).toBeUndefined();
    expect(monitor.tick(120_000, figures(100, 0.2))?.action).toBe('rollback');
  });
});

describe('TriggerMonitor: mean latency and memory', () => {
  it('steps down after the mean stays above 2 s for sustainMs', () => {
    const monitor = new TriggerMonitor(short);
    monitor.tick(0, figures(50, 0, 2_500));
    expect(monitor.tick(4_999, figures(50, 0, 2_400))).toBeUndefined();
    const firing = monitor.tick(5_000, figures(50, 0, 2_350));
    expect(firing).toMatchObject({
      trigger: 'mean-latency',
      action: 'step-down',
      reason: 'mean latency 2350 ms above 2000 ms for 5.0 s (50 requests)',
    });
  });

  it('steps down when RSS stays above 90 % of the limit, and ignores unknown RSS', () => {
    const monitor = new TriggerMonitor(short);
    monitor.tick(0, figures(50, 0), 95 * MiB);
    monitor.tick(1_000, figures(50, 0)); // RSS unknown: unchanged
    expect(monitor.tick(2_000, figures(50, 0), 95 * MiB)).toBeUndefined();
    const firing = monitor.tick(3_000, figures(0, 0), 95 * MiB); // no traffic needed
    expect(firing).toMatchObject({
      trigger: 'memory',
      action: 'step-down',
      reason: 'memory 95.0 MiB above 90% of the 100.0 MiB limit for 3.0 s',
    });
    expect(firing?.figures.usedRatio).toBeCloseTo(0.95, 10);
    expect(monitor.tick(4_000, figures(50, 0), 89 * MiB)).toBeUndefined();
    expect(monitor.snapshot().memory.breachedSinceMs).toBeNull();
  });

  it('never fires the memory trigger without a limit', () => {
    const monitor = new TriggerMonitor({ ...short, memory: { ...short.memory, limitBytes: null } });
    for (let t = 0; t <= 10_000; t += 1_000)
      expect(monitor.tick(t, figures(50, 0), 10_000 * MiB)).toBeUndefined();
  });

  it('lets a rollback win over a step-down firing in the same tick', () => {
    const monitor = new TriggerMonitor({
      ...short,
      errorRate: { ...short.errorRate, sustainMs: 0 },
      meanLatency: { ...short.meanLatency, sustainMs: 0 },
      memory: { ...short.memory, sustainMs: 0 },
    });
    const firing = monitor.tick(0, figures(100, 0.5, 3_000), 99 * MiB);
    expect(firing?.trigger).toBe('error-rate');
    expect(firing?.action).toBe('rollback');
    expect(firing?.alsoFired).toEqual(['mean-latency', 'memory']);
    // a step-down configured as the error-rate action loses to a rollback on memory
    const swapped = new TriggerMonitor({
      ...short,
      errorRate: { ...short.errorRate, sustainMs: 0, action: 'step-down' },
      memory: { ...short.memory, sustainMs: 0, action: 'rollback' },
    });
    expect(swapped.tick(0, figures(100, 0.5), 99 * MiB)).toMatchObject({
      trigger: 'memory',
      action: 'rollback',
      alsoFired: ['error-rate'],
    });
  });
});

describe('TriggerMonitor: health', () => {
  it('rolls back on the third failure in a row within a minute', () => {
    const monitor = new TriggerMonitor(DEFAULT_ANALYSIS.triggers);
    expect(monitor.health(0, false, 'HTTP 503')).toBeUndefined();
    expect(monitor.health(1_000, false, 'HTTP 503')).toBeUndefined();
    expect(monitor.snapshot().health.breachedSinceMs).toBe(0);
    const firing = monitor.health(2_000, false, 'HTTP 503');
    expect(firing).toMatchObject({
      trigger: 'health',
      action: 'rollback',
      reason:
        '3 consecutive failed health checks within 2.0 s (limit 3 within 60.0 s; last: HTTP 503)',
      figures: { failures: 3, firstFailureMs: 0, lastFailureMs: 2_000 },
    });
    expect(monitor.snapshot().health.breachedSinceMs).toBeNull();
  });

  it('starts over after a good probe', () => {
    const monitor = new TriggerMonitor(DEFAULT_ANALYSIS.triggers);
    monitor.health(0, false);
    monitor.health(1_000, false);
    monitor.health(2_000, true);
    expect(monitor.health(3_000, false)).toBeUndefined();
    expect(monitor.health(4_000, false)).toBeUndefined();
    expect(monitor.health(5_000, false)?.trigger).toBe('health');
  });

  it('does not count failures in a row that are spread over more than withinMs', () => {
    const monitor = new TriggerMonitor(DEFAULT_ANALYSIS.triggers);
    monitor.health(0, false);
    monitor.health(50_000, false);
    expect(monitor.health(100_000, false)).toBeUndefined(); // first one is 100 s old
    expect(monitor.health(110_000, false)).toMatchObject({
      figures: { firstFailureMs: 50_000, lastFailureMs: 110_000 },
    }); // 50 s, 100 s, 110 s: three within 60 s (inclusive)
  });

  it('forgets everything on reset()', () => {
    const monitor = new TriggerMonitor(short);
    monitor.health(0, false);
    monitor.health(1, false);
    monitor.tick(0, figures(100, 0.5));
    monitor.reset();
    expect(monitor.health(2, false)).toBeUndefined();
    expect(monitor.tick(2_000, figures(100, 0.5))).toBeUndefined();
    expect(monitor.snapshot()).toEqual({
      'error-rate': { breachedSinceMs: 2_000, firesAtMs: 4_000 },
      'mean-latency': { breachedSinceMs: null, firesAtMs: null },
      health: { breachedSinceMs: 2, firesAtMs: null },
      memory: { breachedSinceMs: null, firesAtMs: null },
    });
  });
});
