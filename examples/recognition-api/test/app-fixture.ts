import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createPipeline, type Pipeline } from '../../../src/pipeline/index.js';
import type { Quotas } from '../../../src/quota/quotas.js';
import type { SqlStore } from '../../../src/store/types.js';
import { tempDir } from '../../../test/support/backends.js';
import { type BuildAppOptions, buildApp } from '../src/app.js';
import { type RunningJobs, type StartJobsOptions, startJobs } from '../src/jobs/start.js';
import type { RecognitionNotifications } from '../src/notify/slack.js';
import type { RecognitionRepository } from '../src/repository/index.js';
import { ACME_KEY, seededStore } from './fixtures.js';

export interface TestAppOptions
  extends Partial<
    Omit<BuildAppOptions, 'store' | 'pipeline' | 'quotas' | 'notifications' | 'jobs'>
  > {
  /** Store URL (`backend.url()`); default a fresh SQLite file. */
  url?: string;
  logDestination?: NodeJS.WritableStream;
  /** Builds the app's quotas on its store; none: not governed. */
  quotas?: (store: SqlStore) => Quotas;
  /** Builds the app's notifications on its store and pipeline; none: no notifications. */
  notifications?: (store: SqlStore, pipeline: Pipeline) => RecognitionNotifications;
  /** Starts the in-process worker and scheduler (stopped by `close()`); none: no jobs. */
  jobs?: Omit<StartJobsOptions, 'store' | 'pipeline' | 'repo'>;
}

/**
 * The real app (pipeline + capabilities + auth + routes) on a fresh, seeded store (SQLite
 * unless `url` says otherwise), for `inject()`. Logs go nowhere unless `logDestination` is
 * given; call `close()` when done.
 */
export async function testApp(options: TestAppOptions = {}): Promise<{
  app: FastifyInstance;
  store: SqlStore;
  repo: RecognitionRepository;
  /** The running jobs, when `jobs` was given. */
  jobs: RunningJobs | undefined;
  close: () => Promise<void>;
}> {
  const { url, logDestination, quotas, notifications, jobs: jobOptions, ...rest } = options;
  const { store, repo } = await seededStore(url ?? `sqlite:${tempDir()}/state.db`);
  const pipeline = createPipeline({
    service: 'recognition-api-test',
    hashSecret: 'test-hash-secret-0123456789',
    ...(logDestination
      ? { logLevel: 'debug', logDestination } // spans log at debug
      : { logLevel: 'silent' }),
  });
  const jobs = jobOptions && (await startJobs({ store, pipeline, repo, ...jobOptions }));
  const app = await buildApp({
    store,
    pipeline, // the repository is buildApp's default: its queries in the pipeline's spans
    ...(quotas ? { quotas: quotas(store) } : {}),
    ...(notifications ? { notifications: notifications(store, pipeline) } : {}),
    ...(jobs ? { jobs: jobs.queue } : {}),
    ...rest,
  });
  await app.ready();
  return {
    app,
    store,
    repo,
    jobs,
    close: async () => {
      await app.close();
      await jobs?.stop();
      await store.close();
    },
  };
}

export const bearer = (key: string = ACME_KEY) => ({ authorization: `Bearer ${key}` });

/** The parsed problem+json body of a response, after checking it is one. */
export function problemOf(response: LightMyRequestResponse): {
  status: number;
  code: string;
  detail?: string;
  field?: string;
  [key: string]: unknown;
} {
  const type = String(response.headers['content-type'] ?? '');
  if (!type.startsWith('application/problem+json')) {
    throw new Error(`expected problem+json, got ${type}: ${response.body}`);
  }
  return response.json();
}

/** Everything a problem says about where the input went wrong, as one string to search. */
export function problemText(response: LightMyRequestResponse): string {
  const problem = problemOf(response);
  return `${problem.field ?? ''}\n${problem.detail ?? ''}`;
}
