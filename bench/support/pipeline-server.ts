/**
 * The headline side of `npm run bench:pipeline`: the same route plugin, auth lookup and
 * repository as plain-server.ts, behind Breakwater's pipeline and nothing else (see
 * route-server.ts).
 */
import { startRouteServer } from './route-server.js';

await startRouteServer({ pipeline: true, label: 'pipeline-fastify' });
