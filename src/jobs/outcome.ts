import type { AttemptResult } from './attempt.js';
import type { Completer } from './completer.js';
import { afterFailure } from './failure.js';
import type { JobLogger, ResolvedHandler } from './handlers.js';
import type { Held } from './held.js';
import type { WorkerMetrics } from './metrics.js';
import { errorLine, errorText } from './problems.js';
import type { JobStore } from './store.js';

export interface OutcomeDeps {
  store: JobStore;
  completer: Completer;
  metrics: WorkerMetrics | undefined;
  logger: JobLogger;
  now: () => number;
  random: () => number;
  /** Whether the worker is stopping (a shutdown abort then releases instead of failing). */
  stopping: () => boolean;
}

/**
 * Writes what an attempt came to, fenced by its hold: the result (batched), a release when
 * shutdown aborted it, or a failure with its next state (retrying after backoff, or the
 * dead-letter queue). Answers whether the write was accepted; false means the hold was lost.
 */
export async function recordOutcome(
  deps: OutcomeDeps,
  entry: Held,
  handler: ResolvedHandler,
  result: AttemptResult,
  seconds: number,
): Promise<boolean> {
  const { job, hold } = entry;
  const labels = { queue: job.queue, name: job.name };
  if (result.ok) {
    const text = serialise(result.value);
    if (text !== undefined) {
      deps.metrics?.duration.observe({ ...labels, outcome: 'completed' }, seconds);
      const stored = await deps.completer.add({ ...hold, result: text, finishedAt: deps.now() });
      if (!stored) {
        deps.logger.warn(
          { jobId: job.id, token: hold.token },
          'job completed after its lease was lost; result discarded (fenced)',
        );
      }
      return stored;
    }
    const error = new TypeError('the handler returned a value that is not JSON-serialisable');
    result = { ok: false, error, timedOut: false };
  }
  const reason = entry.attempt?.reason as { code?: string } | undefined;
  if (deps.stopping() && reason?.code === 'BW_JOBS_SHUTDOWN') {
    deps.metrics?.duration.observe({ ...labels, outcome: 'released' }, seconds);
    return (await deps.store.release([hold], deps.now())) === 1;
  }
  const at = deps.now();
  const next = afterFailure(job, result.error, at, handler.backoff, deps.random);
  deps.metrics?.duration.observe({ ...labels, outcome: 'failed' }, seconds);
  deps.metrics?.failures.inc({ ...labels, final: String(next.state === 'dead_letter') });
  const error = { error: errorText(result.error), lastError: errorLine(result.error) };
  const stored = await deps.store.fail({ ...hold, ...error, finishedAt: at, next });
  const log = { jobId: job.id, attempt: job.attempts, err: result.error, next: next.state };
  if (!stored) deps.logger.warn(log, 'job failure not recorded: its lease was lost (fenced)');
  else if (next.state === 'dead_letter')
    deps.logger.error(log, 'job moved to the dead-letter queue');
  else deps.logger.warn(log, 'job attempt failed; will retry');
  return stored;
}

function serialise(value: unknown): string | undefined {
  try {
    return JSON.stringify(value === undefined ? null : value);
  } catch {
    return undefined;
  }
}
