import type { Cron } from 'croner';
import {
  DEFAULT_MAX_CATCH_UP,
  DEFAULT_MISSED_TICK_POLICY,
  DEFAULT_TICK_GRACE_MS,
  dueTicks,
  type MissedTickPolicy,
  nextTick,
  parseCron,
} from './cron-ticks.js';
import type { EnqueueOptions } from './enqueue-options.js';
import { type JobLogger, SILENT_LOGGER } from './handlers.js';
import type { Job } from './job.js';
import { configInvalid } from './problems.js';
import type { JobQueue } from './queue.js';

export const DEFAULT_CHECK_INTERVAL_MS = 1_000;

/** A job enqueued on a cron pattern, once per tick across every scheduler process. */
export interface Schedule {
  /** Unique name; ticks are recorded under it. */
  name: string;
  /** croner pattern: 5 fields, or 6 with seconds first (`* * * * * *` every second). */
  cron: string;
  /** IANA time zone of the pattern; default the process's. */
  timezone?: string;
  /** Job name to enqueue. */
  job: string;
  /** The payload (JSON), or a function of the tick time that returns it. */
  payload?: ((tick: Date) => unknown) | object | string | number | boolean | null;
  options?: EnqueueOptions;
  /** Ticks missed while no scheduler ran: skip (default) or catch-up (bounded). */
  missed?: MissedTickPolicy;
  /** catch-up: at most this many missed ticks; default 10. */
  maxCatchUp?: number;
  /** skip: the latest tick is still enqueued when at most this late; default 60 s. */
  graceMs?: number;
}

export interface SchedulerOptions {
  schedules: readonly Schedule[];
  /** Longest sleep between checks (a check also runs at each tick); default 1 s. */
  checkIntervalMs?: number;
  now?: () => number;
  logger?: JobLogger;
  onError?: (error: unknown) => void;
  /** Aborting it stops the scheduler. */
  signal?: AbortSignal;
}

export interface Scheduler {
  /** Enqueues every due tick now; answers the jobs this process enqueued. */
  check(): Promise<Job[]>;
  start(): void;
  /** Stops the timer and waits for a check in progress. */
  stop(): Promise<void>;
}

interface Planned {
  schedule: Schedule;
  cron: Cron;
}

/**
 * Cron schedules on top of the queue. Each due tick is recorded as a (schedule, tick) row
 * in the same transaction as its job, so however many processes run the same schedules a
 * tick is enqueued exactly once; the others find the row and do nothing.
 */
export function createScheduler(queue: JobQueue, options: SchedulerOptions): Scheduler {
  const now = options.now ?? queue.now;
  const logger = options.logger ?? SILENT_LOGGER;
  const checkIntervalMs = options.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS;
  if (!Number.isInteger(checkIntervalMs) || checkIntervalMs < 1) {
    configInvalid('createScheduler', 'checkIntervalMs must be a positive integer');
  }
  const names = new Set<string>();
  const planned: Planned[] = options.schedules.map((schedule) => {
    if (typeof schedule.name !== 'string' || schedule.name.trim() === '') {
      configInvalid('createScheduler', 'every schedule needs a name');
    }
    if (names.has(schedule.name))
      configInvalid('createScheduler', `schedule "${schedule.name}" is defined twice`);
    names.add(schedule.name);
    // Validates the job name and options once, at startup.
    queue.prepare(schedule.job, null, schedule.options);
    return { schedule, cron: parseCron(schedule.cron, schedule.timezone) };
  });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  let started = false;

  const checkOne = async ({ schedule, cron }: Planned): Promise<Job[]> => {
    const at = now();
    const ticks = dueTicks(cron, {
      last: await queue.store.lastTick(schedule.name),
      now: at,
      policy: schedule.missed ?? DEFAULT_MISSED_TICK_POLICY,
      graceMs: schedule.graceMs ?? DEFAULT_TICK_GRACE_MS,
      maxCatchUp: schedule.maxCatchUp ?? DEFAULT_MAX_CATCH_UP,
    });
    const enqueued: Job[] = [];
    for (const tick of ticks) {
      const payload =
        typeof schedule.payload === 'function'
          ? schedule.payload(new Date(tick))
          : schedule.payload;
      const row = queue.prepare(schedule.job, payload ?? null, schedule.options);
      const job = await queue.store.tick(schedule.name, tick, row);
      if (!job) continue;
      enqueued.push(job);
      queue.wake.emit({ type: 'enqueued', queue: job.queue });
      logger.info(
        { schedule: schedule.name, tick: new Date(tick).toISOString(), jobId: job.id },
        'scheduled job enqueued',
      );
    }
    return enqueued;
  };

  const check = async (): Promise<Job[]> => {
    const all: Job[] = [];
    for (const plan of planned) {
      try {
        all.push(...(await checkOne(plan)));
      } catch (error) {
        (
          options.onError ??
          ((e) => logger.error({ err: e, schedule: plan.schedule.name }, 'schedule check failed'))
        )(error);
      }
    }
    return all;
  };

  const loop = (): void => {
    if (stopped) return;
    const at = now();
    const next = Math.min(...planned.map((p) => nextTick(p.cron, at) ?? Number.POSITIVE_INFINITY));
    // Wake just after the next tick, or at the check interval, whichever comes first.
    const delay = Math.max(5, Math.min(checkIntervalMs, next - at + 5));
    timer = setTimeout(() => {
      running = check().finally(() => {
        running = undefined;
        loop();
      });
    }, delay);
  };

  const scheduler: Scheduler = {
    check,
    start: () => {
      if (started || stopped) return;
      started = true;
      running = check().finally(() => {
        running = undefined;
        loop();
      });
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
  options.signal?.addEventListener('abort', () => void scheduler.stop(), { once: true });
  return scheduler;
}
