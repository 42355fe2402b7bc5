// Durable background jobs on SQLite and PostgreSQL: queue, workers, cron, dead letters.
export { jobsAdminRoutes } from './admin-routes.js';
export {
  type BackoffFunction,
  type BackoffOptions,
  backoffDelay,
  DEFAULT_BACKOFF,
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_BACKOFF_FACTOR,
  DEFAULT_BACKOFF_JITTER,
  DEFAULT_BACKOFF_MAX_MS,
} from './backoff.js';
export {
  DEFAULT_MAX_CATCH_UP,
  DEFAULT_MISSED_TICK_POLICY,
  DEFAULT_TICK_GRACE_MS,
  dueTicks,
  type MissedTickPolicy,
} from './cron-ticks.js';
export {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_PRIORITY,
  DEFAULT_QUEUE,
  type EnqueueOptions,
} from './enqueue-options.js';
export { afterFailure } from './failure.js';
export {
  type HandlerDefinition,
  type JobContext,
  type JobHandler,
  type JobHandlers,
  type JobLogger,
  SILENT_LOGGER,
} from './handlers.js';
export {
  DEFAULT_MAX_DEAD_LETTERS,
  DEFAULT_MAX_QUEUE_DEPTH,
  type JobsHealthOptions,
  jobsHealthCheck,
} from './health.js';
export {
  AttemptOutcome,
  FINISHED_STATES,
  JOB_STATES,
  type Job,
  type JobAttempt,
  type JobDetail,
  JobState,
  LIVE_STATES,
  Priority,
  type PriorityName,
} from './job.js';
export { loadWorkerModule, type WorkerModule } from './load-module.js';
export {
  DEFAULT_DEPTH_CACHE_MS,
  JOB_ATTEMPTS_METRIC,
  JOB_DEAD_LETTERS_METRIC,
  JOB_DEPTH_METRIC,
  JOB_DURATION_METRIC,
  JOB_FAILURES_METRIC,
  registerDepthMetrics,
  type WorkerMetrics,
  workerMetrics,
} from './metrics.js';
export type { JobOperations, PurgeFilter, RedriveFilter } from './operations.js';
export { jobsChannel, type PostgresJobStore, postgresJobStore } from './postgres.js';
export type { Queryable } from './postgres-query.js';
export {
  createJobQueue,
  type EnqueueItem,
  type JobQueue,
  type JobQueueBase,
  type JobQueueOptions,
  type PostgresJobQueue,
  type SqliteJobQueue,
} from './queue.js';
export {
  createScheduler,
  DEFAULT_CHECK_INTERVAL_MS,
  type Schedule,
  type Scheduler,
  type SchedulerOptions,
} from './scheduler.js';
export { type SqliteJobStore, sqliteJobStore } from './sqlite.js';
export {
  ATTEMPTS_TABLE,
  type Completion,
  type EnqueuedJob,
  type Failure,
  type Hold,
  JOBS_TABLE,
  type JobFilter,
  type JobStore,
  type StateCount,
  TICKS_TABLE,
} from './store.js';
export {
  DEFAULT_COMPLETED_RETENTION_MS,
  DEFAULT_JOB_SWEEP_BATCH_SIZE,
  DEFAULT_JOB_SWEEP_INTERVAL_MS,
  DEFAULT_JOB_SWEEP_MAX_BATCHES,
  type JobSweeper,
  type JobSweeperOptions,
  startJobSweeper,
} from './sweeper.js';
export { pipelineTraceparent } from './trace.js';
export { createWorker, type Worker } from './worker.js';
export {
  DEFAULT_ABORT_GRACE_MS,
  DEFAULT_CONCURRENCY,
  DEFAULT_LEASE_MS,
  DEFAULT_POSTGRES_POLL_INTERVAL_MS,
  DEFAULT_PREFETCH,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  DEFAULT_SQLITE_POLL_INTERVAL_MS,
  type WorkerOptions,
} from './worker-options.js';
