import path from 'node:path';
import { BreakwaterError, isBreakwaterError } from '../../../src/errors/breakwater-error.js';
import { errors } from '../../../src/errors/registry.js';
import { createPipeline } from '../../../src/pipeline/index.js';
import { openStore } from '../../../src/store/open.js';
import { generateApiKey } from './api-key.js';
import { buildApp } from './app.js';
import { banner } from './banner.js';
import { loadConfig } from './config.js';
import { persistedSecret, randomSecret } from './local-secrets.js';
import { openRepository } from './repository/index.js';
import { migrateSchema } from './schema.js';
import { seedDemo } from './seed.js';

/**
 * `npm start`: the recognition API on SQLite under `.breakwater/` (or the store that
 * BREAKWATER_STORE names), migrated and seeded, listening on 127.0.0.1:8080 by default.
 * SIGTERM/SIGINT shut it down gracefully.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const stateDir = path.resolve(config.stateDir);
  const hashSecret =
    config.hashSecret ?? persistedSecret(path.join(stateDir, 'hash-secret'), randomSecret);
  const demoApiKey =
    config.demoApiKey ?? persistedSecret(path.join(stateDir, 'demo-api-key'), generateApiKey);

  const store = openStore(config.storeUrl);
  if (store.kind === 'redis') {
    await store.close();
    throw new BreakwaterError(errors.CONFIG_INVALID, 'BREAKWATER_STORE must be a SQL store');
  }
  const pipeline = createPipeline({
    service: 'recognition-api',
    hashSecret,
    logLevel: config.logLevel,
    stores: [store], // checked by /ready and /health, closed after the drain
    shutdownTimeoutMs: config.shutdownTimeoutMs,
  });

  await migrateSchema(store);
  const repo = openRepository(store, (name, fn) => pipeline.withSpan(name, fn));
  await seedDemo(repo, demoApiKey);
  const app = await buildApp({ store, pipeline, repo });
  pipeline.onClose(() => app.close()); // Fastify's onClose hooks, after the drain
  await app.listen({ port: config.port, host: config.host });
  pipeline.handleSignals(app, { exit: true });

  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  process.stdout.write(banner({ host: config.host, port, storeUrl: store.url, demoApiKey }));
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const code = isBreakwaterError(error) ? `${error.code}: ` : '';
  process.stderr.write(`recognition-api: ${code}${message.split('\n')[0]}\n`);
  process.exit(1);
});
