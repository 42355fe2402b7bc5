import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createPipeline } from '../../../src/pipeline/index.js';
import { tempDir } from '../../../test/support/backends.js';
import { buildApp } from '../src/app.js';
import { ACME_KEY, seededStore } from './fixtures.js';

/**
 * The real app (pipeline + auth + routes) on a fresh, seeded SQLite file, for `inject()`.
 * Logs go nowhere unless `logDestination` is given; call `close()` when done.
 */
export async function testApp(
  options: { now?: () => Date; logDestination?: NodeJS.WritableStream } = {},
): Promise<{
  app: FastifyInstance;
  close: () => Promise<void>;
}> {
  const { store } = await seededStore(`sqlite:${tempDir()}/state.db`);
  const pipeline = createPipeline({
    service: 'recognition-api-test',
    hashSecret: 'test-hash-secret-0123456789',
    ...(options.logDestination
      ? { logLevel: 'info', logDestination: options.logDestination }
      : { logLevel: 'silent' }),
  });
  const app = await buildApp({
    store,
    pipeline, // the repository is buildApp's default: its queries in the pipeline's spans
    ...(options.now ? { now: options.now } : {}),
  });
  await app.ready();
  return {
    app,
    close: async () => {
      await app.close();
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
