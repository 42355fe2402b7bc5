import path from 'node:path';
import { Command } from 'commander';
import { pino } from 'pino';
import { loadWorkerModule } from '../jobs/load-module.js';
import { createScheduler } from '../jobs/scheduler.js';
import { startJobSweeper } from '../jobs/sweeper.js';
import { createWorker } from '../jobs/worker.js';
import { resolveLogLevel } from '../pipeline/logger.js';
import type { CliIo } from './io.js';
import { parseCount, withQueue } from './jobs.js';

interface WorkerFlags {
  store?: string;
  queue?: string[];
  concurrency?: number;
  leaseMs?: number;
  pollMs?: number;
  shutdownTimeout?: number;
  schedules: boolean;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * `breakwater worker <module>`: runs the handlers a module exports (and its `schedules`)
 * until SIGTERM or SIGINT, then shuts down gracefully: running jobs finish or are released.
 * Logs are JSON lines on stdout (level from LOG_LEVEL).
 */
export function workerCommand(io: CliIo): Command {
  return new Command('worker')
    .description('run job handlers exported by a module until SIGTERM')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .argument('<module>', 'a .ts or .js file exporting `handlers` (and optionally `schedules`)')
    .option('--store <url>', 'store URL (default: BREAKWATER_STORE or sqlite:.breakwater/state.db)')
    .option('--queue <name...>', 'queues to serve (default: default)')
    .option('--concurrency <n>', 'handlers running at once', parseCount)
    .option('--lease-ms <ms>', 'lease per claim, renewed by heartbeats', parseCount)
    .option('--poll-ms <ms>', 'poll period when idle', parseCount)
    .option('--shutdown-timeout <ms>', 'how long running jobs may finish on SIGTERM', parseCount)
    .option('--no-schedules', "do not run the module's cron schedules")
    .action(async (file: string, flags: WorkerFlags) => {
      const module = await loadWorkerModule(path.resolve(io.cwd, file));
      const logger = pino(
        {
          level: resolveLogLevel(undefined, io.env),
          base: { service: 'breakwater-worker', pid: process.pid },
        },
        io.stdout,
      );
      await withQueue(io, flags, async (queue) => {
        const worker = createWorker(queue, {
          handlers: module.handlers,
          logger,
          ...(flags.queue ? { queues: flags.queue } : {}),
          ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
          ...(flags.leaseMs ? { leaseMs: flags.leaseMs } : {}),
          ...(flags.pollMs ? { pollIntervalMs: flags.pollMs } : {}),
          ...(flags.shutdownTimeout ? { shutdownTimeoutMs: flags.shutdownTimeout } : {}),
        });
        const scheduler =
          flags.schedules && module.schedules.length > 0
            ? createScheduler(queue, { schedules: module.schedules, logger })
            : undefined;
        const sweeper = startJobSweeper(queue, {
          onError: (error) => logger.error({ err: error }, 'job sweep failed'),
        });
        const handlers = new Map<string, () => void>();
        const signal = await new Promise<string>((resolve, reject) => {
          for (const name of SIGNALS) {
            handlers.set(name, () => resolve(name));
            process.once(name, handlers.get(name) as () => void);
          }
          worker.start().then(() => {
            scheduler?.start();
            logger.info({ workerId: worker.id, module: file }, 'worker ready');
          }, reject);
        }).finally(() => {
          for (const [name, handler] of handlers) process.removeListener(name, handler);
          sweeper.stop();
        });
        logger.info({ signal }, 'shutting down');
        await scheduler?.stop();
        await worker.stop();
      });
    });
}
