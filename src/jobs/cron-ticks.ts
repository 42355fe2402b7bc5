import { Cron } from 'croner';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';

/** What to do with ticks that passed while no scheduler ran. */
export type MissedTickPolicy = 'skip' | 'catch-up';

export const DEFAULT_MISSED_TICK_POLICY: MissedTickPolicy = 'skip';
/** With `skip`, the latest tick is still enqueued when at most this late (a restart, a slow check). */
export const DEFAULT_TICK_GRACE_MS = 60_000;
/** catch-up enqueues at most this many missed ticks (the most recent ones). */
export const DEFAULT_MAX_CATCH_UP = 10;

export interface TickWindow {
  /** The last tick enqueued for the schedule, epoch ms; undefined if none ever was. */
  last: number | undefined;
  now: number;
  policy: MissedTickPolicy;
  graceMs: number;
  maxCatchUp: number;
}

/** A parsed cron pattern that is never scheduled by croner itself (we only ask it for times). */
export function parseCron(pattern: string, timezone?: string): Cron {
  try {
    return new Cron(pattern, { paused: true, ...(timezone ? { timezone } : {}) });
  } catch (error) {
    throw new BreakwaterError(
      errors.JOBS_SCHEDULE_INVALID,
      `cron "${pattern}": ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * The ticks to enqueue now, oldest first, among those after `last` and at or before `now`.
 * `skip` takes only the latest, if it is at most `graceMs` late (older ones were missed and
 * are dropped); `catch-up` takes the most recent `maxCatchUp`. A schedule with no tick
 * recorded yet behaves as `skip`: a new schedule does not replay its past.
 */
export function dueTicks(cron: Cron, window: TickWindow): number[] {
  const catchUp = window.policy === 'catch-up' && window.last !== undefined;
  const limit = catchUp ? Math.max(1, window.maxCatchUp) : 1;
  // previousRuns excludes its reference instant; +1 ms makes a tick at exactly `now` count.
  const recent = cron.previousRuns(limit, new Date(window.now + 1)).map((d) => d.getTime());
  const after = window.last ?? Number.NEGATIVE_INFINITY;
  return recent
    .filter((t) => t > after && t <= window.now)
    .filter((t) => catchUp || window.now - t <= window.graceMs)
    .sort((a, b) => a - b);
}

/** When the next tick after `now` falls, epoch ms; undefined when the pattern has no more. */
export function nextTick(cron: Cron, now: number): number | undefined {
  return cron.nextRun(new Date(now))?.getTime();
}
