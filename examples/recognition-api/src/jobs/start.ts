import { createJobQueue, type JobQueue } from '../../../../src/jobs/queue.js';
import { createScheduler } from '../../../../src/jobs/scheduler.js';
import { startJobSweeper } from '../../../../src/jobs/sweeper.js';
import { pipelineTraceparent } from '../../../../src/jobs/trace.js';
import { createWorker } from '../../../../src/jobs/worker.js';
import type { Pipeline } from '../../../../src/pipeline/index.js';
import type { SqlStore } from '../../../../src/store/types.js';
import type { RecognitionRepository } from '../repository/index.js';
import {
  CLEANUP_JOB,
  cleanupOldRecognitions,
  DEFAULT_RETENTION_DAYS,
  EXPORT_JOB,
  exportRecognitions,
} from './handlers.js';

/** The queue exports run on; the worker serves it and the default one (cleanup). */
export const EXPORTS_QUEUE = 'exports';
/** Daily at 03:00 UTC. */
export const CLEANUP_CRON = '0 3 * * *';

export interface StartJobsOptions {
  store: SqlStore;
  pipeline: Pipeline;
  repo: RecognitionRepository;
  /** Where exports are written, e.g. `.breakwater/exports`. */
  exportsDir: string;
  retentionDays?: number | undefined;
  /** Worker poll period when idle; default the jobs default for the store. */
  pollIntervalMs?: number;
}

export interface RunningJobs {
  queue: JobQueue;
  /** Stops the scheduler, the sweeper and the worker (running jobs finish or are released). */
  stop(): Promise<void>;
}

/**
 * The service's background work, in-process: a worker for `export-recognitions` and
 * `cleanup-old-recognitions`, the daily cleanup schedule (exactly once per tick across
 * processes) and the retention sweeper for finished jobs. Jobs live in the service's store.
 */
export async function startJobs(options: StartJobsOptions): Promise<RunningJobs> {
  const { store, pipeline, repo } = options;
  const queue = createJobQueue(store, { traceparent: pipelineTraceparent(pipeline) });
  const worker = createWorker(queue, {
    queues: ['default', EXPORTS_QUEUE],
    concurrency: 2,
    logger: pipeline.logger,
    registry: pipeline.metrics.registry,
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    handlers: {
      [EXPORT_JOB]: exportRecognitions(repo, options.exportsDir),
      [CLEANUP_JOB]: cleanupOldRecognitions(repo, options.retentionDays ?? DEFAULT_RETENTION_DAYS),
    },
  });
  const scheduler = createScheduler(queue, {
    schedules: [{ name: CLEANUP_JOB, cron: CLEANUP_CRON, timezone: 'UTC', job: CLEANUP_JOB }],
    logger: pipeline.logger,
  });
  const sweeper = startJobSweeper(queue);
  await worker.start();
  scheduler.start();
  return {
    queue,
    stop: async () => {
      sweeper.stop();
      await scheduler.stop();
      await worker.stop();
    },
  };
}
