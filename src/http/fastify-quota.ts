import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
} from 'fastify';
import { Counter, type Registry } from 'prom-client';
import { BreakwaterError, isBreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { capacityOf } from '../quota/algorithm.js';
import type { ConsumedQuota, Consumption } from '../quota/engine.js';
import { quotaHeaders } from '../quota/headers.js';
import { quotaExceededError, quotaProblem } from '../quota/problem.js';
import type { Quotas } from '../quota/quotas.js';
import type { UsageReport } from '../quota/report.js';
import { replyProblem } from './fastify-problem.js';

/** What a route consumes: quota name -> units, names (one unit each), or per request. */
export type RouteQuotaWeights =
  | Record<string, number>
  | readonly string[]
  | ((request: FastifyRequest) => Record<string, number> | readonly string[]);

export interface RouteQuotaOptions {
  consume: RouteQuotaWeights;
  /** Refund when the response status matches; default: the plugin's (5xx). */
  refundOn?: (status: number) => boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Governs the route: the weights it consumes, or per-route options. */
    quota?: RouteQuotaOptions | Record<string, number> | readonly string[];
  }
  interface FastifyRequest {
    /** The consumption of a governed route (admitted), for handlers that want the numbers. */
    quota?: Consumption;
    /** Set to true in a handler to give back what the request consumed (checked in onSend). */
    quotaSkip?: boolean;
  }
}

/** The part of Breakwater's request pipeline this glue uses (see src/pipeline). */
export interface QuotaPipelineLike {
  context(): { tenantId?: string | undefined; userId?: string | undefined } | undefined;
  metrics?: { registry: Registry };
}

export interface FastifyQuotaOptions {
  quotas: Quotas;
  /** Supplies the organization and user (its context) and the metrics registry. */
  pipeline?: QuotaPipelineLike;
  /** The organization a request counts against; default `pipeline.context()?.tenantId`. */
  key?: (request: FastifyRequest) => string | undefined;
  /** The user, for per-user quotas; default `pipeline.context()?.userId`. */
  user?: (request: FastifyRequest) => string | undefined;
  /** Refund when the response status matches; default 5xx. */
  refundOn?: (status: number) => boolean;
  /** A partition key sent as `pk` in the RateLimit fields; default none. */
  partitionKey?: (request: FastifyRequest) => string | undefined;
  registry?: Registry;
}

/** The reply header the idempotency capability sets on a replayed response. */
export const REPLAY_HEADER = 'idempotent-replayed';
export const DEFAULT_REFUND_ON = (status: number): boolean => status >= 500;
export const QUOTA_DECISIONS_METRIC = 'breakwater_quota_decisions_total';

interface Governed {
  consumption: Consumption;
  refundOn: (status: number) => boolean;
  refunded: boolean;
  partitionKey: string | undefined;
}

/**
 * Fastify plugin: routes whose `config.quota` is set consume their quotas before the
 * handler (429 problem+json when refused), carry RateLimit headers, get a refund on 5xx or
 * on an idempotent replay, and release concurrency slots when the response ends. Closing the
 * app writes the daily history buffered in this process. Register it without encapsulation
 * (like fastify-plugin does) before the governed routes.
 */
export async function fastifyQuota(app: FastifyInstance, options: FastifyQuotaOptions) {
  const { quotas, pipeline } = options;
  const orgOf = options.key ?? (() => pipeline?.context()?.tenantId);
  const userOf = options.user ?? (() => pipeline?.context()?.userId);
  const baseRefundOn = options.refundOn ?? DEFAULT_REFUND_ON;
  const registry = options.registry ?? pipeline?.metrics?.registry;
  const decisions = registry && decisionsCounter(registry);
  const governed = new WeakMap<FastifyRequest, Governed>();

  // the daily history this process buffered is written before the app (and its store) closes
  app.addHook('onClose', async () => {
    await quotas.flush().catch((error: unknown) => {
      app.log.warn({ err: error }, 'quota: the buffered daily history could not be written');
    });
  });
  if (!app.hasRequestDecorator('quota')) app.decorateRequest('quota', undefined);
  if (!app.hasRequestDecorator('quotaSkip')) app.decorateRequest('quotaSkip', false);

  app.addHook('onRoute', (route) => {
    const config = route.config?.quota;
    if (config === undefined) return;
    const { consume, refundOn } = routeOptions(config);
    const preHandler: preHandlerAsyncHookHandler = async (request, reply) => {
      const organization = orgOf(request);
      if (organization === undefined) {
        request.log.warn('quota: no organization for this request; the route is not governed');
        return;
      }
      const weights = typeof consume === 'function' ? consume(request) : consume;
      let consumption: Consumption;
      try {
        consumption = await quotas.consume(
          { organization, user: userOf(request), quotas: weights },
          request.signal,
        );
      } catch (error) {
        if (!isBreakwaterError(error)) throw error;
        return sendProblem(reply, error);
      }
      for (const item of consumption.items) {
        decisions?.inc({
          quota: item.quota,
          outcome: !item.fits
            ? 'refused'
            : consumption.source === 'fallback'
              ? 'fallback'
              : 'admitted',
        });
      }
      const partitionKey = options.partitionKey?.(request);
      if (!consumption.admitted) {
        return sendProblem(
          reply,
          quotaExceededError(consumption, partitionKey === undefined ? {} : { partitionKey }),
        );
      }
      request.quota = consumption;
      governed.set(request, {
        consumption,
        refundOn: refundOn ?? baseRefundOn,
        refunded: false,
        partitionKey,
      });
    };
    route.preHandler = [...hooks(route.preHandler), preHandler];
    route.onSend = [...hooks(route.onSend), onSend];
    route.onResponse = [...hooks(route.onResponse), release];
    route.onRequestAbort = [...hooks(route.onRequestAbort), release];
  });

  /** Refunds a replay, a skipped request or a failed one, then writes the RateLimit headers. */
  async function onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
    const state = governed.get(request);
    if (state === undefined) return payload;
    const replayed = String(reply.getHeader(REPLAY_HEADER) ?? '').toLowerCase() === 'true';
    if (
      !state.refunded &&
      (replayed || request.quotaSkip === true || state.refundOn(reply.statusCode))
    ) {
      try {
        await quotas.refund(state.consumption);
        state.refunded = true;
      } catch (error) {
        request.log.error({ err: error }, 'quota: refund failed');
      }
    }
    const shown = state.refunded ? afterRefund(state.consumption) : state.consumption;
    const options = state.partitionKey === undefined ? {} : { partitionKey: state.partitionKey };
    reply.headers(quotaHeaders(shown, options));
    return payload;
  }

  async function release(request: FastifyRequest) {
    const state = governed.get(request);
    if (state === undefined) return;
    try {
      await quotas.release(state.consumption);
    } catch (error) {
      request.log.warn({ err: error }, 'quota: release failed; the lease will expire');
    }
  }
}

Object.assign(fastifyQuota, {
  // What fastify-plugin sets: no encapsulation, a readable name in errors and the plugin tree.
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'breakwater-quota',
});

export interface QuotaUsageHandlerOptions {
  pipeline?: QuotaPipelineLike;
  key?: (request: FastifyRequest) => string | undefined;
  user?: (request: FastifyRequest) => string | undefined;
}

/**
 * A ready-made handler for `GET /v1/quota`: the caller's usage report (every quota: used,
 * limit, remaining, reset, overage). A request without an organization gets a 401 problem.
 */
export function quotaUsageHandler(quotas: Quotas, options: QuotaUsageHandlerOptions = {}) {
  const orgOf = options.key ?? (() => options.pipeline?.context()?.tenantId);
  const userOf = options.user ?? (() => options.pipeline?.context()?.userId);
  return async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<UsageReport | FastifyReply> => {
    const organization = orgOf(request);
    if (organization === undefined) {
      return sendProblem(
        reply,
        new BreakwaterError(errors.HTTP_UNAUTHORIZED, 'quota usage needs an authenticated caller'),
      );
    }
    try {
      return await quotas.usage({ organization, user: userOf(request) }, request.signal);
    } catch (error) {
      if (!isBreakwaterError(error)) throw error;
      return sendProblem(reply, error);
    }
  };
}

function sendProblem(reply: FastifyReply, error: BreakwaterError) {
  return replyProblem(reply, error, quotaProblem(error));
}

/** The consumption as it stands after its refund (for the headers of that response). */
function afterRefund(consumption: Consumption): Consumption {
  const items = consumption.items.map(
    (item): ConsumedQuota => ({
      ...item,
      used: Math.max(0, item.used - item.weight),
      remaining: Math.min(
        Math.floor(capacityOf(item.definition, item.limit)),
        item.remaining + Math.floor(item.weight),
      ),
    }),
  );
  return { ...consumption, items };
}

function routeOptions(config: NonNullable<import('fastify').FastifyContextConfig['quota']>) {
  if (Array.isArray(config)) return { consume: config as readonly string[], refundOn: undefined };
  if ('consume' in (config as object)) return config as RouteQuotaOptions;
  return { consume: config as Record<string, number>, refundOn: undefined };
}

function decisionsCounter(registry: Registry): Counter<'quota' | 'outcome'> {
  return (
    (registry.getSingleMetric(QUOTA_DECISIONS_METRIC) as
      | Counter<'quota' | 'outcome'>
      | undefined) ??
    new Counter({
      name: QUOTA_DECISIONS_METRIC,
      help: 'Quota decisions per quota and outcome (admitted, refused, fallback).',
      labelNames: ['quota', 'outcome'] as const,
      registers: [registry],
    })
  );
}

function hooks<T>(existing: T | T[] | undefined): T[] {
  if (existing === undefined) return [];
  return Array.isArray(existing) ? existing : [existing];
}
