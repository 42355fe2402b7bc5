import type { Job, JobDetail } from './job.js';
import { invalidState, jobNotFound, jobsInvalid } from './problems.js';
import type { JobFilter, JobStore } from './store.js';
import type { WakeBus } from './wake.js';

/** Which dead letters to redrive: some ids, a queue and/or job name, or `all`. */
export interface RedriveFilter {
  ids?: readonly string[];
  queue?: string;
  name?: string;
  /** Required when no other field narrows the redrive, so "everything" is said out loud. */
  all?: boolean;
}

/** Which finished jobs to delete. */
export interface PurgeFilter extends RedriveFilter {
  /** dead_letter (default), completed or cancelled. */
  state?: 'dead_letter' | 'completed' | 'cancelled';
  /** Only jobs that finished at least this long ago. */
  olderThanMs?: number;
}

/** The operator's actions on jobs: inspect, cancel, retry, and the dead-letter queue. */
export interface JobOperations {
  /** The job with its attempt history; throws BW_JOBS_NOT_FOUND. */
  show(id: string): Promise<JobDetail>;
  /** Stops a pending, retrying or running job (a running handler's signal aborts). */
  cancel(id: string): Promise<Job>;
  /** Runs a dead-letter, cancelled or retrying job again now, with fresh attempts. */
  retry(id: string): Promise<Job>;
  /** Dead letters, newest first. */
  deadLetters(filter?: Omit<JobFilter, 'state'>): Promise<Job[]>;
  /** Makes matching dead letters pending again with fresh attempts; answers how many. */
  redrive(filter: RedriveFilter): Promise<number>;
  /** Deletes matching finished jobs (dead letters by default); answers how many. */
  purge(filter: PurgeFilter): Promise<number>;
}

const PURGEABLE = new Set(['dead_letter', 'completed', 'cancelled']);

export function jobOperations(store: JobStore, now: () => number, wake: WakeBus): JobOperations {
  const show = async (id: string): Promise<JobDetail> => {
    const job = await store.get(id);
    if (!job) throw jobNotFound(id);
    return job;
  };
  return {
    show,
    cancel: async (id) => {
      const cancelled = await store.cancel(id, now());
      if (cancelled) {
        wake.emit({ type: 'cancelled', id: cancelled.id });
        return cancelled;
      }
      const job = await show(id);
      throw invalidState(id, job.state, 'cancel');
    },
    retry: async (id) => {
      const moved = await store.redrive({ ids: [id] }, now());
      const job = await show(id);
      if (moved === 0) {
        throw job.state === 'pending'
          ? invalidState(id, 'pending (or its dedupe key is held by a live job)', 'retry')
          : invalidState(id, job.state, 'retry');
      }
      wake.emit({ type: 'enqueued', queue: job.queue });
      return job;
    },
    deadLetters: (filter = {}) => store.list({ ...filter, state: 'dead_letter' }),
    redrive: async (filter) => {
      const moved = await store.redrive(
        { ...narrow(filter, 'redrive'), state: 'dead_letter' },
        now(),
      );
      if (moved > 0) wake.emit({ type: 'enqueued', queue: filter.queue ?? '*' });
      return moved;
    },
    purge: async (filter) => {
      const state = filter.state ?? 'dead_letter';
      if (!PURGEABLE.has(state))
        jobsInvalid('purge: state must be dead_letter, completed or cancelled');
      const older = filter.olderThanMs;
      if (older !== undefined && !(Number.isFinite(older) && older >= 0)) {
        jobsInvalid('purge: olderThanMs must be a number >= 0');
      }
      const narrowed: JobFilter = { ...narrow(filter, 'purge', older !== undefined), state };
      if (older !== undefined) narrowed.finishedBefore = now() - older;
      return store.purge(narrowed);
    },
  };
}

/** The store filter of a redrive or purge; refuses an unbounded one without `all: true`. */
function narrow(filter: RedriveFilter, action: string, bounded = false): JobFilter {
  const result: JobFilter = {};
  if (filter.ids !== undefined) result.ids = filter.ids;
  if (filter.queue !== undefined) result.queue = filter.queue;
  if (filter.name !== undefined) result.name = filter.name;
  if (Object.keys(result).length === 0 && !bounded && filter.all !== true) {
    jobsInvalid(`${action}: give ids, a queue or a name, or all: true`);
  }
  return result;
}
