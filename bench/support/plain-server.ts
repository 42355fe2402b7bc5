/**
 * The baseline of `npm run bench:pipeline`: the recognition API's own routes, auth lookup and
 * repository on plain Fastify, without Breakwater's pipeline. Expects a store that the
 * pipeline server already migrated and seeded (BREAKWATER_STORE). Prints `listening on <url>`.
 */
import Fastify from 'fastify';
import { recognitionRoutes } from '../../examples/recognition-api/src/http/routes.js';
import { openRepository } from '../../examples/recognition-api/src/repository/index.js';
import { recognitionService } from '../../examples/recognition-api/src/service.js';
import { openStore } from '../../src/store/open.js';

const store = openStore();
if (store.kind === 'redis') throw new Error('BREAKWATER_STORE must be a SQL store');
const repo = openRepository(store);
const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
// The app serves its routes unprefixed behind versioning's rewriteUrl; plain Fastify serves the same handlers under /v2, the newest version (no change module runs).
await app.register(recognitionRoutes, { prefix: '/v2', repo, service: recognitionService(repo) });
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
process.stdout.write(`plain-fastify listening on http://127.0.0.1:${port}\n`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app
      .close()
      .then(() => store.close())
      .then(() => process.exit(0));
  });
}
