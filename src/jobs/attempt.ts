import {
  formatTraceparent,
  newSpanId,
  newTraceId,
  parseTraceparent,
} from '../pipeline/traceparent.js';
import type { JobContext, JobLogger, ResolvedHandler } from './handlers.js';
import type { Job } from './job.js';
import { abortReasons, jobsInvalid } from './problems.js';

/** How an attempt's handler ended, as far as the worker is concerned. */
export type AttemptResult =
  | { ok: true; value: unknown }
  | { ok: false; error: unknown; timedOut: boolean };

/** One running attempt: its outcome, its abort switch, and when its handler really settled. */
export interface RunningAttempt {
  readonly job: Job;
  /** Aborts the handler's signal with `reason` (the first abort wins). */
  abort(reason: unknown): void;
  /** Why the signal was aborted, if it was. */
  readonly reason: unknown;
  /** The handler's result, or the timeout, whichever came first. */
  readonly result: Promise<AttemptResult>;
  /** Settles when the handler's promise does (the concurrency slot is held until then). */
  readonly settled: Promise<void>;
}

export interface AttemptDeps {
  logger: JobLogger;
  /** Writes progress for this hold; false when fenced out. */
  writeProgress: (value: number) => Promise<unknown>;
  timeoutMs: number | undefined;
}

/**
 * Starts a handler on a claimed job: builds its context (signal, progress, a logger bound
 * to the job and its trace), and races it against the job's timeout. The timeout aborts the
 * signal and fails the attempt at once, even if the handler ignores the signal. The signal,
 * span and logger are made when the handler first asks for them (most never do).
 */
export function startAttempt(
  job: Job,
  handler: ResolvedHandler,
  deps: AttemptDeps,
): RunningAttempt {
  let controller: AbortController | undefined;
  let reason: unknown;
  const signalController = (): AbortController => {
    controller ??= new AbortController();
    return controller;
  };
  const abort = (why: unknown) => {
    if (reason !== undefined) return;
    reason = why;
    signalController().abort(why);
  };
  let span: { traceId: string; spanId: string; parentId?: string; flags: string } | undefined;
  const trace = () => {
    if (span) return span;
    const parent = parseTraceparent(job.traceparent ?? undefined);
    span = parent
      ? {
          traceId: parent.traceId,
          spanId: newSpanId(),
          parentId: parent.parentId,
          flags: parent.flags,
        }
      : { traceId: newTraceId(), spanId: newSpanId(), flags: '01' };
    return span;
  };
  let logger: JobLogger | undefined;
  const context: JobContext = {
    job,
    get signal() {
      return signalController().signal;
    },
    progress: coalesced(deps.writeProgress),
    get logger() {
      if (logger) return logger;
      const { traceId, spanId, parentId } = trace();
      logger = deps.logger.child({
        jobId: job.id,
        job: job.name,
        queue: job.queue,
        attempt: job.attempts,
        traceId,
        spanId,
        ...(parentId ? { parentSpanId: parentId } : {}),
      });
      return logger;
    },
    get traceparent() {
      const { traceId, spanId, flags } = trace();
      return formatTraceparent(traceId, spanId, flags);
    },
  };
  const running = Promise.resolve().then(() => handler.run(job.payload, context));
  const settled = running.then(
    () => {},
    () => {},
  );
  const outcome = running.then(
    (value): AttemptResult => ({ ok: true, value }),
    (error: unknown): AttemptResult => ({ ok: false, error, timedOut: false }),
  );
  const attempt = (result: Promise<AttemptResult>): RunningAttempt => ({
    job,
    abort,
    get reason() {
      return reason;
    },
    result,
    settled,
  });
  const timeoutMs = job.timeoutMs ?? handler.timeoutMs ?? deps.timeoutMs;
  if (timeoutMs === undefined) return attempt(outcome);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<AttemptResult>((resolve) => {
    timer = setTimeout(() => {
      const why = abortReasons.timeout(timeoutMs);
      abort(why);
      resolve({ ok: false, error: why, timedOut: true });
    }, timeoutMs);
  });
  void settled.then(() => clearTimeout(timer));
  return attempt(Promise.race([outcome, deadline]));
}

/**
 * Progress writes, coalesced: while one write is in flight later values wait, and only the
 * newest of them is written next. Each call resolves once its value or a newer one is stored.
 */
function coalesced(write: (value: number) => Promise<unknown>): (value: number) => Promise<void> {
  let latest: number | undefined;
  let writing: Promise<void> | undefined;
  return async (value) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      jobsInvalid(`progress must be a finite number, got ${String(value)}`);
    }
    latest = value;
    while (writing) await writing;
    if (latest === undefined) return;
    const next = latest;
    latest = undefined;
    writing = write(next).then(
      () => {
        writing = undefined;
      },
      () => {
        writing = undefined;
      },
    );
    await writing;
  };
}
