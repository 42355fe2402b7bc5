import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPipeline, startLagMonitor } from '../../src/pipeline/index.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('event-loop lag', () => {
  it('measures how late the sampler fires', () => {
    vi.useFakeTimers();
    let clock = 0;
    const monitor = startLagMonitor({ intervalMs: 100, now: () => clock });
    clock = 100;
    vi.advanceTimersByTime(100);
    expect(monitor.lagMs()).toBe(0);
    // The loop was blocked: the next tick runs 400 ms late.
    clock = 600;
    vi.advanceTimersByTime(100);
    expect(monitor.lagMs()).toBe(400);
    clock = 700;
    vi.advanceTimersByTime(100);
    expect(monitor.lagMs()).toBe(0);
    // Overdue right now counts before the timer gets to run.
    clock = 1_500;
    expect(monitor.lagMs()).toBe(700);
    monitor.stop();
  });

  it('fails /live while lag is over the threshold, then recovers', async () => {
    vi.useFakeTimers();
    let clock = 0;
    const pipeline = createPipeline({
      service: 's',
      hashSecret: 'k',
      logLevel: 'silent',
      defaultMetrics: false,
      clock: () => clock,
      eventLoopLagThresholdMs: 250,
      lagSampleIntervalMs: 100,
    });
    clock = 500;
    vi.advanceTimersByTime(100);
    const live = await pipeline.http.probe('live');
    expect(live.status).toBe(503);
    expect(JSON.parse(live.body).checks['eventloop:lag'][0]).toMatchObject({
      observedValue: 400,
      observedUnit: 'ms',
      status: 'fail',
    });
    // /health only warns about it.
    expect((await pipeline.http.probe('health')).status).toBe(200);
    clock = 600;
    vi.advanceTimersByTime(100);
    expect((await pipeline.http.probe('live')).status).toBe(200);
  });
});
