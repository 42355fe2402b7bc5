import type { Server } from 'node:http';
import { BreakwaterError } from '../../src/errors/breakwater-error.js';
import { errors } from '../../src/errors/registry.js';
import type { Pipeline } from '../../src/pipeline/index.js';
import type { Gate } from './log-capture.js';

/**
 * The one test app every adapter builds: the same routes and auth hook, written once here
 * as plain functions, wired into Fastify, Express and Hono by each adapter's test file.
 */
export interface TestAppDeps {
  pipeline: Pipeline;
  gate: Gate;
  /** A local server that records the headers it receives. */
  downstreamUrl: string;
}

export interface RunningApp {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export type AdapterFactory = (deps: TestAppDeps) => Promise<RunningApp>;

export const PLAIN_ERROR_MESSAGE = 'SECRET-INTERNAL-DETAIL at /srv/app/db.ts:42';

/** The auth hook: `Authorization: Bearer <tenant>:<user>` sets the identity. */
export function authenticate(pipeline: Pipeline, authorization: string | undefined): void {
  const match = /^Bearer ([^:]+):(.+)$/.exec(authorization ?? '');
  if (match) pipeline.setIdentity({ tenantId: match[1], userId: match[2] });
}

/** GET /things/:id: logs through the request logger and runs a span. */
export async function getThing(pipeline: Pipeline, id: string): Promise<Record<string, unknown>> {
  pipeline.log().info({ thing: id }, 'loading thing');
  return pipeline.withSpan('load-thing', async (span) => ({
    id,
    traceId: pipeline.context()?.traceId,
    spanId: span.spanId,
    tenantId: pipeline.context()?.tenantId,
  }));
}

/** POST /things body check for the adapters without a schema validator. */
export function checkThingBody(body: unknown): { name: string } {
  const name = (body as { name?: unknown } | null)?.name;
  if (typeof name !== 'string') {
    throw new BreakwaterError(errors.HTTP_VALIDATION, 'body/name must be string', {
      extensions: { field: 'body/name' },
    });
  }
  return { name };
}

export function knownError(): BreakwaterError {
  return new BreakwaterError(errors.STORE_UNAVAILABLE, 'The store is not reachable.', {
    headers: { 'Retry-After': '7' },
  });
}

/** GET /outbound: calls the downstream with the pipeline's fetch, returns what it saw. */
export async function callDownstream(pipeline: Pipeline, url: string): Promise<unknown> {
  const response = await pipeline.fetch(url);
  return response.json();
}

export function listening(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    const done = () => {
      const address = server.address();
      if (address && typeof address === 'object') resolve(`http://127.0.0.1:${address.port}`);
      else reject(new Error('server has no port'));
    };
    if (server.listening) done();
    else server.once('listening', done).once('error', reject);
  });
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
