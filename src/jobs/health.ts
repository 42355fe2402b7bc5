import type { HealthCheck } from '../pipeline/health-check.js';
import type { StateCount } from './store.js';

export const DEFAULT_MAX_DEAD_LETTERS = 100;
export const DEFAULT_MAX_QUEUE_DEPTH = 1_000;

export interface JobsHealthOptions {
  /** Warn when the dead-letter queue holds more than this; default 100. */
  maxDeadLetters?: number;
  /** Warn when a queue has more than this many pending + retrying jobs; default 1,000. */
  maxDepth?: number;
  /** Report key; default `jobs:backlog`. */
  name?: string;
}

/**
 * A health check for the pipeline (`pipeline.addCheck`): warns, never fails, when dead
 * letters pile up or a queue's backlog grows, so /ready stays up while someone is told.
 */
export function jobsHealthCheck(
  queue: { counts(): Promise<StateCount[]> },
  options: JobsHealthOptions = {},
): HealthCheck {
  const maxDeadLetters = options.maxDeadLetters ?? DEFAULT_MAX_DEAD_LETTERS;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_QUEUE_DEPTH;
  return {
    name: options.name ?? 'jobs:backlog',
    componentType: 'component',
    critical: false,
    check: async () => {
      const counts = await queue.counts();
      const dead = counts.filter((c) => c.state === 'dead_letter').reduce((n, c) => n + c.count, 0);
      const depth = new Map<string, number>();
      for (const c of counts) {
        if (c.state === 'pending' || c.state === 'retrying') {
          depth.set(c.queue, (depth.get(c.queue) ?? 0) + c.count);
        }
      }
      const problems: string[] = [];
      if (dead > maxDeadLetters) problems.push(`${dead} dead letters (over ${maxDeadLetters})`);
      for (const [name, n] of depth) {
        if (n > maxDepth) problems.push(`queue "${name}" has ${n} waiting jobs (over ${maxDepth})`);
      }
      const deepest = Math.max(0, ...depth.values());
      return {
        status: problems.length > 0 ? 'warn' : 'pass',
        observedValue: { deadLetters: dead, deepestQueue: deepest },
        ...(problems.length > 0 ? { output: problems.join('; ') } : {}),
      };
    },
  };
}
