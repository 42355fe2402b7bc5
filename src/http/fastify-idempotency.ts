import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
} from 'fastify';
import type { Registry } from 'prom-client';
import { hasCode } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { type Claim, unsupported } from '../idempotency/claim.js';
import { createIdempotency, type Idempotency } from '../idempotency/engine.js';
import { headerLines, IDEMPOTENCY_KEY_HEADER } from '../idempotency/key-header.js';
import { idempotencyStore } from '../idempotency/open.js';
import type {
  IdempotencyOptions,
  ResolvedRouteOptions,
  RouteIdempotencyOptions,
} from '../idempotency/options.js';
import {
  type IdempotentResponse,
  normalizeHeaders,
  type ResponseToSend,
  serializeResponse,
} from '../idempotency/response.js';
import { type IdempotencyStore, isTransactional } from '../idempotency/store.js';
import type { SweeperOptions } from '../idempotency/sweeper.js';
import type { Store } from '../store/types.js';
import { replyProblem } from './fastify-problem.js';

/** What a handler on an idempotent route sees as `request.idempotency`. */
export interface RequestIdempotency {
  /** The request's key, when it carried a valid one. */
  readonly key: string | undefined;
  /** True when this request holds the key's lease (false: no key, or fail-open pass-through). */
  readonly claimed: boolean;
  /**
   * Transactional mode: runs `work` in the store's transaction (SQLite: the store's db inside
   * BEGIN IMMEDIATE, work must be synchronous; PostgreSQL: a PoolClient in BEGIN/COMMIT),
   * commits the completed key with it, sends the response `work` answered (or a 409 problem
   * when the lease was lost) and resolves, once that response has finished, with what
   * happened. Await it, then `return reply` from the handler: returning the outcome itself
   * would make Fastify try to send it as a second response.
   */
  transaction<Tx>(
    work: (tx: Tx) => IdempotentResponse | Promise<IdempotentResponse>,
  ): Promise<TransactionOutcome>;
}

/** What `request.idempotency.transaction()` did; the response is already sent. */
export interface TransactionOutcome {
  /** The status the client was answered with. */
  readonly status: number;
  /**
   * True when the work's writes committed (with the completed key, when the request held
   * one). False when they were rolled back: the lease was lost (409 sent instead) or the
   * answer was one `storeStatus` refuses (5xx).
   */
  readonly committed: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Opts the route in: `true` for the plugin's defaults, or per-route options. */
    idempotency?: RouteIdempotencyOptions | boolean;
  }
  interface FastifyRequest {
    /** Set on routes whose config opts into idempotency; undefined elsewhere. */
    idempotency?: RequestIdempotency;
  }
}

/** The part of Breakwater's request pipeline this glue uses (see src/pipeline). */
export interface PipelineLike {
  context(): { tenantId?: string | undefined } | undefined;
  metrics?: { registry: Registry };
}

export interface FastifyIdempotencyOptions extends Omit<IdempotencyOptions, 'store'> {
  /** An opened Breakwater store, or an idempotency store built from one. */
  store: Store | IdempotencyStore;
  /** Supplies the tenant (default) and the metrics registry when given. */
  pipeline?: PipelineLike;
  /** The request's tenant; default `pipeline.context()?.tenantId`, else none. */
  tenant?: (request: FastifyRequest) => string | undefined;
  /** The API version the request was made against, part of the fingerprint; default none. */
  apiVersion?: (request: FastifyRequest) => string | undefined;
  /** Periodic deletion of expired records while the server runs; false turns it off. */
  sweeper?: Omit<SweeperOptions, 'now' | 'onError' | 'signal'> | false;
}

/** Marks a route config the onRoute hook instrumented (Fastify copies config with its symbols). */
const RESOLVED = Symbol('breakwater.idempotency.route');

interface RouteState {
  claim: Claim | undefined;
}

/**
 * Fastify plugin: routes whose `config.idempotency` is set get the Idempotency-Key
 * behaviour (claim, replay, 409/422/400 problems). Registered without encapsulation (like
 * fastify-plugin), it covers the instance it is registered on and its children. Register it
 * (await) before the routes so their options are checked at startup.
 */
export async function fastifyIdempotency(
  app: FastifyInstance,
  options: FastifyIdempotencyOptions,
): Promise<void> {
  const store = 'claim' in options.store ? options.store : idempotencyStore(options.store);
  const registry = options.registry ?? options.pipeline?.metrics?.registry;
  const engine = createIdempotency({ ...options, store, ...(registry ? { registry } : {}) });
  const pipeline = options.pipeline;
  const tenantOf = options.tenant ?? ((_request) => pipeline?.context()?.tenantId);
  const states = new WeakMap<FastifyRequest, RouteState>();

  if (!app.hasRequestDecorator('idempotency')) app.decorateRequest('idempotency', undefined);
  if (options.sweeper !== false) {
    const controller = new AbortController();
    app.addHook('onReady', async () => {
      engine.startSweeper({ ...options.sweeper, signal: controller.signal });
    });
    app.addHook('onClose', async () => controller.abort());
  }

  // Routes declared after the plugin get a route-level preHandler (after every app-level
  // one, so auth has run) with options validated now; a route declared before it loaded
  // is caught by the app-level fallback below, its options resolved on first use.
  app.addHook('onRoute', (route) => {
    const config = route.config?.idempotency;
    if (config === undefined || config === false || route.config === undefined) return;
    const resolved = engine.route(config === true ? {} : config);
    (route.config as Record<symbol, unknown>)[RESOLVED] = resolved;
    const preHandler: preHandlerAsyncHookHandler = (request, reply) =>
      begin(request, reply, resolved);
    route.preHandler = [...hooks(route.preHandler), preHandler];
  });
  const late = new WeakMap<object, ResolvedRouteOptions>();
  app.addHook('preHandler', async (request, reply) => {
    const config = request.routeOptions.config as typeof request.routeOptions.config &
      Record<symbol, unknown>;
    const idempotency = config.idempotency;
    if (idempotency === undefined || idempotency === false || config[RESOLVED]) return;
    let resolved = late.get(config);
    if (resolved === undefined) {
      resolved = engine.route(idempotency === true ? {} : idempotency);
      late.set(config, resolved);
    }
    return begin(request, reply, resolved);
  });
  app.addHook('onSend', onSend);
  app.addHook('onResponse', onResponse);

  /** Claims the key, or answers with the replay or a problem; the handler runs otherwise. */
  async function begin(request: FastifyRequest, reply: FastifyReply, route: ResolvedRouteOptions) {
    const decision = await engine.begin(
      {
        keyHeader: headerLines(request.raw.rawHeaders, IDEMPOTENCY_KEY_HEADER),
        method: request.method,
        route: request.routeOptions.url ?? request.url,
        tenant: tenantOf(request),
        body: request.body,
        apiVersion: options.apiVersion?.(request),
      },
      route,
      request.signal,
    );
    const state: RouteState = { claim: undefined };
    states.set(request, state);
    switch (decision.kind) {
      case 'replay': {
        const { status, headers, body } = decision.response;
        return reply
          .code(status)
          .headers({ ...headers, 'idempotent-replayed': 'true' })
          .send(body);
      }
      case 'reject':
        if (decision.error.cause !== undefined) {
          request.log.error({ err: decision.error.cause }, 'idempotency store unavailable');
        }
        return replyProblem(reply, decision.error);
      case 'unprotected':
        request.log.warn(
          { err: decision.error },
          'idempotency store unavailable; running the handler without protection (failOpen)',
        );
        break;
      case 'proceed':
        state.claim = decision.claim;
        break;
    }
    request.idempotency = view(engine, reply, state.claim);
  }

  /** Stores the response (or releases the key) before it leaves, so a retry sees it. */
  async function onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
    const claim = states.get(request)?.claim;
    if (claim === undefined || claim.state !== 'held') return payload;
    const body = payloadBytes(payload);
    if (body === undefined) {
      request.log.warn('idempotency: a streamed response is not stored; the key was released');
      await claim.release();
      return payload;
    }
    const headers = normalizeHeaders(reply.getHeaders());
    const outcome = await claim.finish({ status: reply.statusCode, headers, body });
    if (outcome === 'failed') request.log.error('idempotency: could not store the response');
    if (outcome === 'stale') request.log.warn('idempotency: lease lost; response not stored');
    return payload;
  }

  /** Safety net: a claim still held after the response (onSend failed) is released. */
  async function onResponse(request: FastifyRequest) {
    const claim = states.get(request)?.claim;
    if (claim?.state === 'held') await claim.release();
  }

  function view(
    idem: Idempotency,
    reply: FastifyReply,
    claim: Claim | undefined,
  ): RequestIdempotency {
    const key = claim?.key;
    return {
      key,
      claimed: claim !== undefined,
      transaction: async (work) => {
        let sent: ResponseToSend;
        let committed = true;
        try {
          if (claim) {
            sent = await claim.transaction(work);
            committed = claim.state === 'completed';
          } else if (isTransactional(idem.store)) {
            sent = serializeResponse(await idem.store.transaction(work as (tx: unknown) => never));
          } else throw unsupported(idem.store.kind);
        } catch (error) {
          if (!hasCode(error, errors.IDEMPOTENCY_LEASE_LOST)) throw error;
          replyProblem(reply, error);
          return finished(reply, false);
        }
        reply.code(sent.status).headers(sent.headers).send(sent.body);
        return finished(reply, committed);
      },
    };
  }
}

Object.assign(fastifyIdempotency, {
  // What fastify-plugin sets: no encapsulation, a readable name in errors and the plugin tree.
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'breakwater-idempotency',
});

/**
 * Waits until the response sent on `reply` has finished (or failed), so that by the time the
 * handler returns the reply Fastify sees it as sent, then tells what was answered.
 */
async function finished(reply: FastifyReply, committed: boolean): Promise<TransactionOutcome> {
  await new Promise<void>((resolve) => {
    reply.then(resolve, () => resolve());
  });
  return { status: reply.statusCode, committed };
}

/** The bytes Fastify is about to send, or undefined for a stream. */
function payloadBytes(payload: unknown): Buffer | undefined {
  if (payload === undefined || payload === null) return Buffer.alloc(0);
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  if (payload instanceof Uint8Array) return Buffer.from(payload);
  return undefined;
}

function hooks<T>(existing: T | T[] | undefined): T[] {
  if (existing === undefined) return [];
  return Array.isArray(existing) ? existing : [existing];
}
