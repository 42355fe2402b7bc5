/**
 * The baseline of `npm run bench:pipeline`: the recognition API's route plugin, auth lookup
 * and repository on plain Fastify, without Breakwater's pipeline (see route-server.ts).
 */
import { startRouteServer } from './route-server.js';

await startRouteServer({ pipeline: false, label: 'plain-fastify' });
