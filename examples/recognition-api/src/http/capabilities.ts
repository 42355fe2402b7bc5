import type { FastifyInstance } from 'fastify';
import { fastifyIdempotency } from '../../../../src/http/fastify-idempotency.js';
import { fastifyQuota } from '../../../../src/http/fastify-quota.js';
import {
  type FastifyVersioningOptions,
  fastifyVersioning,
} from '../../../../src/http/fastify-versioning.js';
import type { Pipeline } from '../../../../src/pipeline/index.js';
import type { Quotas } from '../../../../src/quota/quotas.js';
import type { SqlStore } from '../../../../src/store/types.js';
import { recognitionVersions } from '../../../../src/versioning/examples/recognitions.js';

export interface CapabilityOptions {
  store: SqlStore;
  pipeline: Pipeline;
  /** Quotas for the governed routes; none: no route is governed. */
  quotas?: Quotas | undefined;
  /** Overrides for the versioning plugin (tests move `now`). */
  versioning?: Partial<FastifyVersioningOptions> | undefined;
}

/**
 * Idempotent replays are stored unless the request failed (5xx) or was refused by a quota
 * (429): a retry after the window must run again, not replay the refusal for 24 hours.
 */
export const STORE_STATUS = (status: number): boolean => status < 500 && status !== 429;

/**
 * Registers Breakwater's per-route capabilities, before the routes they cover:
 * idempotency keys (transactional on the SQL store), quotas, API versions. The idempotency
 * claim runs before the quota step (route preHandlers in this order), so a replay costs
 * nothing, and a 429 releases the key. The tenant of each is the pipeline's, set by auth.
 */
export async function registerCapabilities(
  app: FastifyInstance,
  options: CapabilityOptions,
): Promise<void> {
  const { store, pipeline } = options;
  await app.register(fastifyIdempotency, { store, pipeline, storeStatus: STORE_STATUS });
  if (options.quotas) await app.register(fastifyQuota, { quotas: options.quotas, pipeline });
  await app.register(fastifyVersioning, {
    versions: recognitionVersions,
    pipeline,
    pins: store, // an organization's first request pins it to the current version
    ...options.versioning,
  });
}
