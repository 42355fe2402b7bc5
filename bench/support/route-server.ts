/**
 * The two servers that `npm run bench:pipeline` compares for its headline ratio: the
 * recognition API's own route plugin (its API-key auth hook and repository calls) on one
 * Fastify app, once bare and once behind Breakwater's pipeline plugin. Nothing else differs:
 * no versioning, idempotency or quota plugin on either. Both serve the handlers under `/v2`,
 * as the reference service does behind versioning's `rewriteUrl`, so the three servers of
 * the benchmark answer one path. Expects a store that the reference service already
 * migrated and seeded (BREAKWATER_STORE). Prints `<label> listening on <url>`.
 */
import Fastify from 'fastify';
import { recognitionRoutes } from '../../examples/recognition-api/src/http/routes.js';
import { openRepository } from '../../examples/recognition-api/src/repository/index.js';
import { recognitionService } from '../../examples/recognition-api/src/service.js';
import { breakwaterFastify } from '../../src/http/fastify.js';
import { createPipeline } from '../../src/pipeline/index.js';
import { openStore } from '../../src/store/open.js';

/** The body limit of the reference service (examples/recognition-api/src/app.ts). */
const BODY_LIMIT_BYTES = 64 * 1024;

export interface RouteServerOptions {
  /** Put Breakwater's pipeline in front of the route, as the reference service does. */
  pipeline: boolean;
  label: string;
}

/**
 * Builds and starts one server. With the pipeline, everything the reference service gets from
 * it on this route: `breakwaterFastify` (trace context, AsyncLocalStorage context, one JSON
 * request line, metrics, /live /ready /health /metrics, problem+json), `setIdentity` from the
 * auth hook, `withSpan` around each repository call, prom-client's default metrics, the
 * store's health check, and the logger writing to stdout as `npm start` does (the benchmark
 * points the child's stdout at a file).
 */
export async function startRouteServer(options: RouteServerOptions): Promise<void> {
  const store = openStore();
  if (store.kind === 'redis') throw new Error('BREAKWATER_STORE must be a SQL store');
  const pipeline = options.pipeline
    ? createPipeline({
        service: 'recognition-api',
        hashSecret: process.env.BREAKWATER_HASH_SECRET ?? 'bench-hash-secret',
        stores: [store],
      })
    : undefined;
  const repo = pipeline
    ? openRepository(store, (name, fn) => pipeline.withSpan(name, fn))
    : openRepository(store);
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT_BYTES, return503OnClosing: false });
  if (pipeline) await app.register(breakwaterFastify, { pipeline });
  await app.register(recognitionRoutes, {
    prefix: '/v2',
    repo,
    service: recognitionService(repo),
    ...(pipeline ? { setIdentity: (identity) => pipeline.setIdentity(identity) } : {}),
  });
  await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${options.label} listening on http://127.0.0.1:${port}\n`);

  if (pipeline) {
    // The reference service's shutdown: drain, then Fastify's onClose hooks and the store.
    pipeline.onClose(() => app.close());
    pipeline.handleSignals(app, { exit: true });
    return;
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void app
        .close()
        .then(() => store.close())
        .then(() => process.exit(0));
    });
  }
}
