import { Command, InvalidArgumentError, Option } from 'commander';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { jobDetail, jobTable, toJson } from '../jobs/format.js';
import { JOB_STATES, type JobState } from '../jobs/job.js';
import { createJobQueue, type JobQueue } from '../jobs/queue.js';
import { migrateBreakwater } from '../migrate/own.js';
import { openStore, storeUrlFromEnv } from '../store/open.js';
import type { CliIo } from './io.js';

interface JobsFlags {
  store?: string;
  json?: boolean;
  state?: string;
  queue?: string;
  name?: string;
  limit?: number;
  all?: boolean;
  olderThan?: number;
}

/**
 * `breakwater jobs list|show|retry|cancel|dlq|redrive|purge`: inspect and operate the job
 * queue in the store named by `--store` or BREAKWATER_STORE. `--json` prints JSON.
 */
export function jobsCommand(io: CliIo): Command {
  const jobs = new Command('jobs')
    .description('inspect and operate durable background jobs')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .option('--store <url>', 'store URL (default: BREAKWATER_STORE or sqlite:.breakwater/state.db)')
    .option('--json', 'print JSON for scripts');

  const action =
    (fn: (queue: JobQueue, flags: JobsFlags, args: string[]) => Promise<unknown>) =>
    async (...params: unknown[]) => {
      const command = params[params.length - 1] as Command;
      const flags = command.optsWithGlobals<JobsFlags>();
      const args = params
        .slice(0, -2)
        .flatMap((p) => (Array.isArray(p) ? p : [p]))
        .filter((p): p is string => typeof p === 'string');
      await withQueue(io, flags, (queue) => fn(queue, flags, args));
    };
  const print = (flags: JobsFlags, json: unknown, text: string) =>
    io.stdout.write(flags.json ? toJson(json) : text);
  const filters = (command: Command) =>
    command
      .option('--queue <name>', 'only this queue')
      .option('--name <job>', 'only jobs with this name');
  const limit = new Option('--limit <n>', 'at most n jobs (newest first)').argParser(parseCount);

  filters(jobs.command('list').description('jobs, newest first'))
    .addOption(new Option('--state <state>', 'only this state').choices(JOB_STATES))
    .addOption(limit)
    .action(
      action(async (queue, flags) => {
        const found = await queue.list({
          ...narrowed(flags),
          ...(flags.state ? { state: flags.state as JobState } : {}),
        });
        print(flags, { jobs: found }, jobTable(found));
      }),
    );
  jobs
    .command('show')
    .description('a job with its attempt history')
    .argument('<id>', 'job id')
    .action(
      action(async (queue, flags, [id = '']) => {
        const job = await queue.show(id);
        print(flags, { job }, jobDetail(job));
      }),
    );
  jobs
    .command('retry')
    .description('run a dead-letter, cancelled or retrying job again now')
    .argument('<id>', 'job id')
    .action(
      action(async (queue, flags, [id = '']) => {
        const job = await queue.retry(id);
        print(flags, { job }, `job ${job.id} is ${job.state} again\n`);
      }),
    );
  jobs
    .command('cancel')
    .description('cancel a pending, retrying or running job')
    .argument('<id>', 'job id')
    .action(
      action(async (queue, flags, [id = '']) => {
        const job = await queue.cancel(id);
        print(flags, { job }, `job ${job.id} cancelled\n`);
      }),
    );
  filters(jobs.command('dlq').description('dead-letter jobs, newest first'))
    .addOption(new Option('--limit <n>', 'at most n jobs').argParser(parseCount))
    .action(
      action(async (queue, flags) => {
        const found = await queue.deadLetters(narrowed(flags));
        print(flags, { jobs: found }, jobTable(found));
      }),
    );
  filters(jobs.command('redrive').description('make dead letters pending again'))
    .argument('[ids...]', 'job ids')
    .option('--all', 'every dead letter (when no id, queue or name is given)')
    .action(
      action(async (queue, flags, ids) => {
        const redriven = await queue.redrive({
          ...narrowed(flags),
          ...idsOf(ids),
          all: flags.all === true,
        });
        print(flags, { redriven }, `redriven ${redriven} job(s)\n`);
      }),
    );
  filters(jobs.command('purge').description('delete finished jobs (dead letters by default)'))
    .argument('[ids...]', 'job ids')
    .addOption(
      new Option('--state <state>', 'which finished jobs')
        .choices(['dead_letter', 'completed', 'cancelled'])
        .default('dead_letter'),
    )
    .option('--older-than <ms>', 'only jobs finished at least this long ago', parseCount)
    .option('--all', 'every job in that state (when nothing else narrows it)')
    .action(
      action(async (queue, flags, ids) => {
        const purged = await queue.purge({
          ...narrowed(flags),
          ...idsOf(ids),
          state: flags.state as 'dead_letter' | 'completed' | 'cancelled',
          ...(flags.olderThan === undefined ? {} : { olderThanMs: flags.olderThan }),
          all: flags.all === true,
        });
        print(flags, { purged }, `purged ${purged} job(s)\n`);
      }),
    );
  return jobs;
}

function narrowed(flags: JobsFlags) {
  return {
    ...(flags.queue ? { queue: flags.queue } : {}),
    ...(flags.name ? { name: flags.name } : {}),
    ...(flags.limit ? { limit: flags.limit } : {}),
  };
}

const idsOf = (ids: string[]) => (ids.length > 0 ? { ids } : {});

/** Opens the SQL store, brings Breakwater's tables up to date, and always closes it. */
export async function withQueue<T>(
  io: CliIo,
  flags: { store?: string },
  fn: (queue: JobQueue) => Promise<T>,
): Promise<T> {
  const store = openStore(flags.store ?? storeUrlFromEnv(io.env), { cwd: io.cwd });
  try {
    if (store.kind === 'redis') {
      throw new BreakwaterError(
        errors.STORE_UNSUPPORTED,
        `jobs need a SQL store (sqlite: or postgres://), not ${store.url}`,
      );
    }
    await migrateBreakwater(store);
    return await fn(createJobQueue(store));
  } finally {
    await store.close();
  }
}

export function parseCount(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new InvalidArgumentError('expected a positive whole number');
  }
  return Number(value);
}
