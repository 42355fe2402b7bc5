import path from 'node:path';
import { BreakwaterError, isBreakwaterError } from '../../../src/errors/breakwater-error.js';
import { errors } from '../../../src/errors/registry.js';
import { createPipeline } from '../../../src/pipeline/index.js';
import { createQuotas } from '../../../src/quota/quotas.js';
import { openStore } from '../../../src/store/open.js';
import { generateApiKey } from './api-key.js';
import { buildApp } from './app.js';
import { banner } from './banner.js';
import { loadConfig } from './config.js';
import { startJobs } from './jobs/start.js';
import { persistedSecret, randomSecret } from './local-secrets.js';
import { startNotifications } from './notify/start.js';
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
  // Per-organization quotas, counted in the service's store (RECOGNITION_QUOTAS' limits).
  const quotas = createQuotas({ store });
  // Slack notifications (through the `slack` breaker; the outbox table when it is open).
  const { notifications, sinkUrl } = await startNotifications({
    store,
    pipeline,
    webhookUrl: config.slackWebhookUrl,
    openDurationMs: config.slackBreakerOpenMs,
  });
  // Exports and the daily cleanup run on an in-process worker, queued in the same store.
  const jobs = await startJobs({
    store,
    pipeline,
    repo,
    exportsDir: path.join(stateDir, 'exports'),
    retentionDays: config.retentionDays,
  });
  pipeline.onClose(() => jobs.stop()); // closers run newest first: after app.close()
  const app = await buildApp({ store, pipeline, repo, quotas, notifications, jobs: jobs.queue });
  pipeline.onClose(() => app.close()); // Fastify's onClose hooks, after the drain
  await app.listen({ port: config.port, host: config.host });
  pipeline.handleSignals(app, { exit: true });

  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  process.stdout.write(
    banner({
      host: config.host,
      port,
      storeUrl: store.url,
      demoApiKey,
      sinkUrl,
      publicUrl: process.env.BREAKWATER_PUBLIC_URL?.trim() || undefined,
    }),
  );
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const code = isBreakwaterError(error) ? `${error.code}: ` : '';
  process.stderr.write(`recognition-api: ${code}${message.split('\n')[0]}\n`);
  process.exit(1);
});
