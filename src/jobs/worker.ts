import { startAttempt } from './attempt.js';
import { createCompleter } from './completer.js';
import { type ResolvedHandler, resolveHandlers } from './handlers.js';
import { type Held, HeldJobs } from './held.js';
import { heartbeat, type LeaseKeeperDeps } from './lease-keeper.js';
import { openLeasePool } from './lease-pool.js';
import { type Listener, startListener } from './listener.js';
import { workerMetrics } from './metrics.js';
import { type OutcomeDeps, recordOutcome } from './outcome.js';
import { abortReasons } from './problems.js';
import type { JobQueue } from './queue.js';
import type { JobStore } from './store.js';
import { resolveWorkerOptions, type WorkerOptions } from './worker-options.js';

export interface Worker {
  readonly id: string;
  /** Handlers running now. */
  readonly active: number;
  /** Starts claiming; resolves once running (on PostgreSQL, after LISTEN). */
  start(): Promise<void>;
  /**
   * Graceful stop: no new claims, unstarted jobs released at once, running ones get
   * `timeoutMs` (default shutdownTimeoutMs) to finish, then are aborted and released
   * (pending again, attempt not counted). Idempotent.
   */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

/**
 * Runs handlers for jobs of the queue: claims in batches under a lease, heartbeats, writes
 * results with fencing, retries with backoff into the dead-letter queue, and takes back
 * jobs whose worker died. Delivery is at least once.
 */
export function createWorker(queue: JobQueue, options: WorkerOptions): Worker {
  const o = resolveWorkerOptions(options, queue.kind);
  const handlers = resolveHandlers(options.handlers);
  const names = [...handlers.keys()];
  const now = options.now ?? queue.now;
  const leasePool =
    queue.kind === 'postgres' && o.asyncCommit ? openLeasePool(queue.store) : undefined;
  const store: JobStore = leasePool?.store ?? queue.store;
  const onError =
    options.onError ??
    ((error: unknown, during: string) =>
      o.logger.error({ err: error, during }, `jobs worker: ${during} failed`));
  const completer = createCompleter(store, {
    batchMs: o.completionBatchMs,
    remove: o.deleteCompleted,
    onError: (e) => onError(e, 'complete'),
  });
  const held = new HeldJobs();
  const outcomes: OutcomeDeps = {
    store,
    completer,
    metrics: options.registry ? workerMetrics(options.registry) : undefined,
    logger: o.logger,
    now,
    random: options.random ?? Math.random,
    stopping: () => stopping,
  };
  const leases: LeaseKeeperDeps = {
    store,
    held,
    workerId: o.workerId,
    leaseMs: o.leaseMs,
    now,
    onError,
  };
  const writes = new Set<Promise<unknown>>();
  const waiters = new Set<() => void>();
  const timers: NodeJS.Timeout[] = [];
  const unsubscribe: Array<() => void> = [];
  let active = 0;
  let started = false;
  let stopping = false;
  let drained = false;
  let claiming: Promise<void> | undefined;
  let claimSoon: NodeJS.Immediate | undefined;
  let stopped: Promise<void> | undefined;
  let listener: Listener | undefined;

  const track = <T>(promise: Promise<T>): Promise<T> => {
    writes.add(promise);
    void promise.then(
      () => writes.delete(promise),
      () => writes.delete(promise),
    );
    return promise;
  };
  const changed = () => {
    for (const check of [...waiters]) check();
  };
  /** Resolves when `done()` holds (checked whenever a handler settles) or after `ms`. */
  const until = (done: () => boolean, ms: number): Promise<void> =>
    new Promise((resolve) => {
      const finish = () => {
        waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const check = () => done() && finish();
      const timer = setTimeout(finish, ms);
      waiters.add(check);
      check();
    });

  const pump = (): void => {
    if (!started || stopping) return;
    while (active < o.concurrency && held.buffer.length > 0) run(held.buffer.shift() as Held);
    // Deferred a turn, so slots freed by handlers settling together are claimed together.
    if (claiming || drained || claimSoon) return;
    claimSoon = setImmediate(() => {
      claimSoon = undefined;
      refill();
    });
  };

  const refill = (): void => {
    if (!started || stopping || claiming || drained) return;
    const capacity = o.concurrency + o.prefetch;
    const want = Math.min(o.batchSize, capacity - active - held.buffer.length);
    if (want <= 0) return;
    // With a local queue, top it up in sizeable batches rather than a few jobs at a time.
    if (held.buffer.length > 0 && want < Math.min(o.batchSize, capacity) / 2) return;
    claiming = claim(want).finally(() => {
      claiming = undefined;
      pump();
    });
  };

  const claim = async (limit: number): Promise<void> => {
    try {
      const at = now();
      const request = {
        workerId: o.workerId,
        queues: o.queues,
        names,
        limit,
        now: at,
        leaseMs: o.leaseMs,
      };
      const jobs = await store.claim(request);
      for (const job of jobs) held.add(job, at + o.leaseMs);
      if (jobs.length < limit) drained = true;
    } catch (error) {
      drained = true;
      onError(error, 'claim');
    }
  };

  const run = (entry: Held): void => {
    const handler = handlers.get(entry.job.name) as ResolvedHandler;
    active++;
    entry.phase = 'running';
    outcomes.metrics?.attempts.inc({ queue: entry.job.queue, name: entry.job.name });
    const startedAt = performance.now();
    const attempt = startAttempt(entry.job, handler, {
      logger: o.logger,
      timeoutMs: o.timeoutMs,
      writeProgress: (value) => store.progress(entry.hold, value, now()),
    });
    entry.attempt = attempt;
    void attempt.result.then((result) => {
      entry.phase = 'finishing';
      if (entry.abandoned) return;
      const seconds = (performance.now() - startedAt) / 1000;
      void track(recordOutcome(outcomes, entry, handler, result, seconds))
        .catch((error: unknown) => onError(error, 'record outcome'))
        .finally(() => {
          held.drop(entry);
          changed();
        });
    });
    void attempt.settled.then(() => {
      active--;
      changed();
      pump();
    });
  };

  const reap = async (): Promise<void> => {
    try {
      const reaped = await store.reap(now(), 100);
      if (reaped > 0) {
        o.logger.warn({ reaped }, 'took back jobs whose lease lapsed');
        wake();
      }
    } catch (error) {
      onError(error, 'reap');
    }
  };
  const wake = (): void => {
    drained = false;
    pump();
  };
  /** Runs `fn` every `ms`, never two at once. */
  const every = (ms: number, fn: () => Promise<void> | void, unref = true) => {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      void Promise.resolve(fn()).finally(() => {
        busy = false;
      });
    }, ms);
    if (unref) timer.unref();
    timers.push(timer);
  };
  const release = (entries: Held[]) =>
    entries.length === 0
      ? Promise.resolve()
      : track(
          store.release(
            entries.map((e) => e.hold),
            now(),
          ),
        ).then(
          () => {},
          (error: unknown) => onError(error, 'release'),
        );

  const stop = async (timeoutMs: number): Promise<void> => {
    stopping = true;
    clearImmediate(claimSoon);
    for (const off of unsubscribe.splice(0)) off();
    await claiming;
    const unstarted = held.takeBuffered();
    await release(unstarted);
    await until(() => active === 0, timeoutMs);
    if (active > 0) {
      for (const entry of held.inPhase('running')) entry.attempt?.abort(abortReasons.shutdown());
      await until(() => active === 0, o.abortGraceMs);
    }
    const stuck = held.inPhase('running');
    for (const entry of stuck) {
      entry.abandoned = true;
      held.drop(entry);
    }
    await release(stuck);
    await completer.flush();
    while (writes.size > 0) await Promise.allSettled([...writes]);
    for (const timer of timers.splice(0)) clearInterval(timer);
    await listener?.close();
    await leasePool?.close();
    const released = unstarted.length + stuck.length;
    o.logger.info({ workerId: o.workerId, released }, 'jobs worker stopped');
  };

  const worker: Worker = {
    id: o.workerId,
    get active() {
      return active;
    },
    start: async () => {
      if (started || stopping || options.signal?.aborted) return;
      started = true;
      unsubscribe.push(
        queue.wake.subscribe((event) => {
          if (event.type === 'enqueued') return wake();
          const entry = held.byId.get(event.id);
          if (entry?.phase === 'running') entry.attempt?.abort(abortReasons.cancelled());
        }),
      );
      every(o.pollIntervalMs, wake, false);
      every(o.heartbeatMs, () => heartbeat(leases));
      every(o.reapIntervalMs, reap);
      if (queue.kind === 'postgres' && o.listen) {
        listener = startListener({
          connectionString: queue.store.connectionString,
          channel: queue.store.channel,
          onNotify: wake,
          onError: (error) => onError(error, 'listen'),
        });
        await listener.ready;
      }
      const { workerId, queues, concurrency } = o;
      o.logger.info({ workerId, queues, concurrency }, 'jobs worker started');
      await reap();
      wake();
    },
    stop: (opts = {}) => {
      stopped ??= stop(opts.timeoutMs ?? o.shutdownTimeoutMs);
      return stopped;
    },
  };
  options.signal?.addEventListener('abort', () => void worker.stop(), { once: true });
  return worker;
}
