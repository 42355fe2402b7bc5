import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BreakerRegistry,
  bulkhead,
  CircuitBreaker,
  callWithCircuitBreaker,
  fallback,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  isTimeoutError,
  type Policy,
  presetFor,
  retry,
  timeout,
  wrap,
} from '../../src/resilience/index.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A call that settles only when its signal aborts (rejecting with the reason). */
function untilAborted(seen: AbortSignal[] = []) {
  return (signal: AbortSignal) =>
    new Promise<string>((_, reject) => {
      seen.push(signal);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
}

describe('timeout', () => {
  it('aborts the signal and rejects with BW_TIMEOUT at the deadline', async () => {
    const policy = timeout(1_000);
    const seen: AbortSignal[] = [];
    const pending = policy.execute(untilAborted(seen)).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(999);
    expect(seen[0]?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await pending;
    expect(isTimeoutError(error)).toBe(true);
    expect(error).toMatchObject({ status: 504, code: 'BW_TIMEOUT' });
    expect(seen[0]?.reason).toBe(error);
    expect(policy.timeouts).toBe(1);
  });

  it('rejects at the deadline even when the function ignores its signal', async () => {
    const pending = timeout(50)
      .execute(() => new Promise(() => {}))
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(50);
    expect(isTimeoutError(await pending)).toBe(true);
  });

  it("links the caller's signal and clears its timer when the call ends", async () => {
    const controller = new AbortController();
    const seen: AbortSignal[] = [];
    const pending = timeout(10_000)
      .execute(untilAborted(seen), controller.signal)
      .catch((e: unknown) => e);
    controller.abort(new Error('caller gave up'));
    expect(await pending).toMatchObject({ message: 'caller gave up' });
    expect(seen[0]?.reason).toMatchObject({ message: 'caller gave up' });
    expect(vi.getTimerCount()).toBe(0);
    await timeout(10_000).execute(async () => 'quick');
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('bulkhead', () => {
  it('runs maxConcurrent, queues maxQueue, rejects the rest, hands slots over in order', async () => {
    const policy = bulkhead({ maxConcurrent: 2, maxQueue: 1, queueTimeoutMs: 10_000 });
    const release: Array<() => void> = [];
    const started: string[] = [];
    const hold = (name: string) => () =>
      new Promise<string>((resolve) => {
        started.push(name);
        release.push(() => resolve(name));
      });
    const a = policy.execute(hold('a'));
    const b = policy.execute(hold('b'));
    const c = policy.execute(hold('c'));
    const d = await policy.execute(hold('d')).catch((e: unknown) => e);
    expect(isBulkheadRejectedError(d)).toBe(true);
    expect(d).toMatchObject({ status: 503, extensions: { reason: 'queue-full' } });
    expect({ active: policy.active, queued: policy.queued }).toEqual({ active: 2, queued: 1 });
    expect(started).toEqual(['a', 'b']);
    release[0]?.();
    await a;
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual(['a', 'b', 'c']);
    expect({ active: policy.active, queued: policy.queued }).toEqual({ active: 2, queued: 0 });
    release[1]?.();
    release[2]?.();
    await Promise.all([b, c]);
    expect({ active: policy.active, queued: policy.queued }).toEqual({ active: 0, queued: 0 });
    expect(policy.rejections).toBe(1);
  });

  it('rejects a queued call after queueTimeoutMs and forgets it', async () => {
    const policy = bulkhead({ maxConcurrent: 1, maxQueue: 5, queueTimeoutMs: 500 });
    let release = () => {};
    const running = policy.execute(() => new Promise<void>((resolve) => (release = resolve)));
    const queued = vi.fn(async () => 'never');
    const pending = policy.execute(queued).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(500);
    expect(await pending).toMatchObject({
      code: 'BW_BULKHEAD_REJECTED',
      extensions: { reason: 'queue-timeout' },
    });
    expect(policy.queued).toBe(0);
    release();
    await running;
    expect(queued).not.toHaveBeenCalled();
    expect(policy.active).toBe(0);
  });

  it('lets an aborted caller leave the queue at once', async () => {
    const policy = bulkhead({ maxConcurrent: 1, maxQueue: 1 });
    let release = () => {};
    const running = policy.execute(() => new Promise<void>((resolve) => (release = resolve)));
    const controller = new AbortController();
    const pending = policy.execute(async () => 'x', controller.signal).catch((e: unknown) => e);
    controller.abort(new Error('caller gave up'));
    expect(await pending).toMatchObject({ message: 'caller gave up' });
    expect(policy.queued).toBe(0);
    const next = policy.execute(async () => 'y'); // the queue has room again
    expect(policy.queued).toBe(1);
    release();
    await running;
    await expect(next).resolves.toBe('y');
  });
});

describe('fallback and wrap', () => {
  it('fallback replaces failures, not a caller abort', async () => {
    const policy = fallback((reason) => ('error' in reason ? 'from fallback' : 'bad value'));
    await expect(
      policy.execute(async () => {
        throw new Error('down');
      }),
    ).resolves.toBe('from fallback');
    const controller = new AbortController();
    controller.abort(new Error('caller gave up'));
    await expect(policy.execute(async () => 'x', controller.signal)).rejects.toThrow(
      'caller gave up',
    );
    const byResult = fallback(() => 'replaced', {
      when: { error: () => true, result: (v) => v === 'bad' },
    });
    await expect(byResult.execute(async () => 'bad')).resolves.toBe('replaced');
    await expect(byResult.execute(async () => 'good')).resolves.toBe('good');
  });

  it('composes policies with the first outermost', async () => {
    const order: string[] = [];
    const tag = (name: string): Policy => ({
      execute: async (fn, signal) => {
        order.push(`>${name}`);
        try {
          return await fn(signal as AbortSignal);
        } finally {
          order.push(`<${name}`);
        }
      },
    });
    const policy = wrap(tag('a'), tag('b'), tag('c'));
    await policy.execute(async () => order.push('fn'));
    expect(order).toEqual(['>a', '>b', '>c', 'fn', '<c', '<b', '<a']);
  });

  it('retry outside the breaker: each attempt counts, the open breaker stops the retries', async () => {
    const breaker = new CircuitBreaker({ name: 'inner', consecutiveFailures: 3 });
    const policy = wrap(
      fallback(() => 'fallback'),
      retry({ maxAttempts: 10, initialDelayMs: 1 }),
      breaker,
      timeout(1_000),
    );
    const fn = vi.fn(async () => {
      throw new Error('down');
    });
    const pending = policy.execute(fn);
    await vi.runAllTimersAsync();
    expect(await pending).toBe('fallback');
    expect(fn).toHaveBeenCalledTimes(3);
    expect(breaker.state).toBe('OPEN');
  });

  it('propagates an abort through every policy of a stack', async () => {
    const breaker = new CircuitBreaker({ name: 'abortable', consecutiveFailures: 1 });
    const head = bulkhead({ maxConcurrent: 1, maxQueue: 1 });
    const used = vi.fn(() => 'fallback');
    const policy = wrap(fallback(used), head, retry({ maxAttempts: 5 }), breaker, timeout(60_000));
    const seen: AbortSignal[] = [];
    const controller = new AbortController();
    const running = policy.execute(untilAborted(seen), controller.signal).catch((e: unknown) => e);
    const queued = policy.execute(untilAborted(seen), controller.signal).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toHaveLength(1);
    controller.abort(new Error('caller gave up'));
    expect(await running).toMatchObject({ message: 'caller gave up' });
    expect(await queued).toMatchObject({ message: 'caller gave up' });
    expect(seen[0]?.aborted).toBe(true);
    expect(used).not.toHaveBeenCalled();
    expect(breaker.state).toBe('CLOSED');
    expect(breaker.stats.failures).toBe(0);
    expect({ active: head.active, queued: head.queued }).toEqual({ active: 0, queued: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('registry and callWithCircuitBreaker', () => {
  it('picks presets by name or prefix and returns one breaker per name', () => {
    const registry = new BreakerRegistry();
    expect(registry.get('slack').options).toMatchObject({
      consecutiveFailures: 5,
      openDurationMs: 30_000,
    });
    expect(registry.get('email:smtp.example.com').options).toMatchObject({
      consecutiveFailures: 3,
      openDurationMs: 60_000,
    });
    expect(presetFor('database')).toEqual({ consecutiveFailures: 10, openDurationMs: 20_000 });
    expect(presetFor('storage')).toEqual({ consecutiveFailures: 8, openDurationMs: 30_000 });
    expect(presetFor('teams')).toEqual({ consecutiveFailures: 5, openDurationMs: 30_000 });
    expect(presetFor('payments')).toBeUndefined();
    expect(registry.get('slack')).toBe(registry.get('slack'));
    expect(registry.list().map((b) => b.name)).toEqual(['slack', 'email:smtp.example.com']);
    expect(() => registry.get('bad name!')).toThrow(/must match/);
  });

  it('runs through the named breaker, the fallback answering failures and rejections', async () => {
    const registry = new BreakerRegistry({ defaults: { openDurationMs: 5_000 } });
    const down = async (): Promise<string> => {
      throw new Error('down');
    };
    const reasons: unknown[] = [];
    const withFallback = (error: unknown) => {
      reasons.push(error);
      return 'queued';
    };
    for (let i = 0; i < 3; i++) {
      await expect(callWithCircuitBreaker('email', down, withFallback, { registry })).resolves.toBe(
        'queued',
      );
    }
    expect(registry.get('email').state).toBe('OPEN');
    expect(registry.get('email').options.openDurationMs).toBe(60_000); // the preset wins
    await callWithCircuitBreaker('email', async () => 'sent', withFallback, { registry });
    expect(isBrokenCircuitError(reasons.at(-1))).toBe(true);
    await expect(
      callWithCircuitBreaker('other', async () => 'plain', undefined, { registry }),
    ).resolves.toBe('plain');
  });
});
