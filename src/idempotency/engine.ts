import { randomUUID } from 'node:crypto';
import {
  BreakwaterError,
  type BreakwaterErrorOptions,
  type ErrorDefinition,
} from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { Claim } from './claim.js';
import { fingerprint, type Scope } from './fingerprint.js';
import { parseIdempotencyKey } from './key-header.js';
import { type IdempotencyMetrics, idempotencyMetrics } from './metrics.js';
import {
  type IdempotencyOptions,
  type ResolvedRouteOptions,
  type RouteIdempotencyOptions,
  resolveRouteOptions,
} from './options.js';
import { retryAfterSeconds } from './response.js';
import type { IdempotencyStore, StoredResponse } from './store.js';
import { type Sweeper, type SweeperOptions, startSweeper } from './sweeper.js';
import { pollDelay, sleep } from './wait.js';

/** One request as the capability sees it, whatever the framework. */
export interface IdempotencyRequest {
  /** Every `Idempotency-Key` field line (so a repeated header is caught). */
  keyHeader: readonly string[] | string | undefined;
  method: string;
  /** The route template, e.g. `/orders/:id`. */
  route: string;
  tenant?: string | undefined;
  /** The parsed body; fingerprinted as canonical JSON. */
  body: unknown;
  apiVersion?: string | undefined;
}

/** What to do with a request. */
export type Decision =
  /** Not covered (method not listed, or no key on a route that does not require one). */
  | { kind: 'skip' }
  /** Run the handler; end the claim with its response. */
  | { kind: 'proceed'; claim: Claim }
  /** Send the stored response with `Idempotent-Replayed: true`; do not run the handler. */
  | { kind: 'replay'; response: StoredResponse }
  /** Answer this error (400, 409, 422, 503) as problem+json. */
  | { kind: 'reject'; error: BreakwaterError }
  /** The store failed and the route fails open: run the handler without protection. */
  | { kind: 'unprotected'; error: unknown };

export interface Idempotency {
  readonly store: IdempotencyStore;
  readonly metrics: IdempotencyMetrics;
  /** Route options with defaults applied and validated; resolve once per route. */
  route(options?: RouteIdempotencyOptions): ResolvedRouteOptions;
  /** Decides about one request: claims its key, replays, or rejects. */
  begin(
    request: IdempotencyRequest,
    route: ResolvedRouteOptions,
    signal?: AbortSignal,
  ): Promise<Decision>;
  /** Deletes expired records periodically (SQL stores); see `startSweeper`. */
  startSweeper(options?: Omit<SweeperOptions, 'now' | 'onError'>): Sweeper;
}

/** The framework-independent idempotency capability. Framework glue calls `begin` per request. */
export function createIdempotency(options: IdempotencyOptions): Idempotency {
  const { store } = options;
  const now = options.now ?? Date.now;
  const metrics = idempotencyMetrics(options.registry);
  resolveRouteOptions(options); // validate the capability-wide options once, up front

  const reject = (
    definition: ErrorDefinition,
    detail: string,
    options: BreakwaterErrorOptions = {},
  ) => ({ kind: 'reject', error: new BreakwaterError(definition, detail, options) }) as const;

  async function begin(
    request: IdempotencyRequest,
    route: ResolvedRouteOptions,
    signal?: AbortSignal,
  ): Promise<Decision> {
    const method = request.method.toUpperCase();
    if (!route.methods.has(method)) return { kind: 'skip' };
    const label = { route: request.route };
    const parsed = parseIdempotencyKey(request.keyHeader);
    if (parsed.kind === 'missing') {
      if (!route.required) return { kind: 'skip' };
      metrics.rejections.inc({ ...label, reason: 'missing' });
      return reject(
        errors.IDEMPOTENCY_KEY_MISSING,
        'This endpoint requires an Idempotency-Key header.',
      );
    }
    if (parsed.kind === 'invalid') {
      metrics.rejections.inc({ ...label, reason: 'invalid' });
      return reject(errors.IDEMPOTENCY_KEY_INVALID, `Idempotency-Key: ${parsed.reason}.`);
    }
    const scope: Scope = {
      key: parsed.key,
      tenant: request.tenant ?? '',
      method,
      route: request.route,
    };
    const print = fingerprint({
      method,
      route: request.route,
      body: request.body,
      apiVersion: request.apiVersion,
    });
    const waitUntil = performance.now() + route.waitMs;

    for (let attempt = 0; ; attempt++) {
      const token = randomUUID();
      let found: Awaited<ReturnType<IdempotencyStore['claim']>>;
      try {
        found = await store.claim(scope, print, token, route.leaseMs, now());
      } catch (error) {
        metrics.storeErrors.inc({ operation: 'claim' });
        if (route.failOpen) return { kind: 'unprotected', error };
        return reject(
          errors.IDEMPOTENCY_STORE_UNAVAILABLE,
          'The idempotency store is unavailable; the request was not run. Retry later.',
          { cause: error },
        );
      }
      if (found.kind === 'claimed') {
        metrics.claims.inc({ ...label, result: found.recovered ? 'recovered' : 'claimed' });
        const claim = new Claim({
          store,
          scope,
          token,
          route,
          routeLabel: request.route,
          metrics,
          now,
        });
        return { kind: 'proceed', claim };
      }
      if (found.fingerprint !== print) {
        metrics.conflicts.inc({ ...label, reason: 'mismatch' });
        return reject(
          errors.IDEMPOTENCY_KEY_MISMATCH,
          'This Idempotency-Key was used with a different request (method, route, body or API version).',
        );
      }
      if (found.kind === 'completed') {
        metrics.replays.inc(label);
        return { kind: 'replay', response: found.response };
      }
      const pause = Math.min(pollDelay(attempt), waitUntil - performance.now());
      if (pause > 0 && (await sleep(pause, signal))) continue;
      metrics.conflicts.inc({ ...label, reason: 'in_flight' });
      const retryAfter = String(retryAfterSeconds(found.leaseExpiresAt, now()));
      return reject(
        errors.IDEMPOTENCY_IN_FLIGHT,
        'A request with this Idempotency-Key is still being processed. Retry later.',
        { headers: { 'retry-after': retryAfter } },
      );
    }
  }

  return {
    store,
    metrics,
    route: (routeOptions) => resolveRouteOptions(options, routeOptions),
    begin,
    startSweeper: (sweeperOptions = {}) =>
      startSweeper(store, {
        ...sweeperOptions,
        now,
        onError: () => metrics.storeErrors.inc({ operation: 'sweep' }),
      }),
  };
}
