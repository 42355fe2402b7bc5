import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onSendAsyncHookHandler,
  preValidationAsyncHookHandler,
} from 'fastify';
import type { Registry } from 'prom-client';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../errors/problem.js';
import { errors } from '../errors/registry.js';
import type { Store } from '../store/types.js';
import {
  createVersioning,
  type ResolvedVersion,
  type VersionHeaders,
  type VersionRequest,
} from '../versioning/engine.js';
import { appendLinks } from '../versioning/lifecycle.js';
import { versionPinStore } from '../versioning/open.js';
import type { VersioningOptions } from '../versioning/options.js';
import { isJsonMediaType, parseJsonPayload } from '../versioning/payload.js';
import {
  LEGACY_VERSION_HEADER,
  VERSION_HEADER,
  VERSION_QUERY_PARAMETER,
} from '../versioning/resolve.js';
import type { VersionPinStore } from '../versioning/store.js';
import { stripVersionSegment, versionSegmentOf } from '../versioning/version-id.js';
import { problemInstance } from './fastify-problem.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false`: the route is not versioned; `resources`: the resource types it serves. */
    versioning?: false | { resources?: readonly string[] };
  }
  interface FastifyRequest {
    /** The version the request is served in, once resolved (versioned routes only). */
    apiVersion?: ResolvedVersion;
  }
}

/** The part of Breakwater's request pipeline this glue uses (see src/pipeline). */
export interface VersioningPipelineLike {
  context(): { tenantId?: string | undefined; traceId?: string } | undefined;
  log?(): { warn(object: object, message: string): void; error(object: object, m: string): void };
  metrics?: { registry: Registry };
}

export interface FastifyVersioningOptions extends Omit<VersioningOptions, 'pins'> {
  /** Enables pinning: an opened Breakwater store, or a pin store built from one. */
  pins?: Store | VersionPinStore;
  /** Supplies the organization (default), the request logger and the metrics registry. */
  pipeline?: VersioningPipelineLike;
  /** The request's organization; default `pipeline.context()?.tenantId`. */
  tenant?: (request: FastifyRequest) => string | undefined;
}

interface RequestState {
  request: VersionRequest;
  resolved: ResolvedVersion;
}

/**
 * Fastify plugin: every route declared after it (except `config: { versioning: false }`)
 * is versioned. Per request, a route-level preValidation hook resolves the version (after
 * the app's auth hooks, before schema validation) and walks the body forward to the newest
 * shape; a route-level onSend hook (after every app-level one, so after the idempotency
 * glue stored the newest-version body) walks the response or problem back to the caller's
 * version and adds API-Version, Deprecation, Sunset and Link. Idempotent replays and
 * errors pass through that onSend too, so they come back in the caller's version.
 */
export async function fastifyVersioning(
  app: FastifyInstance,
  options: FastifyVersioningOptions,
): Promise<void> {
  const { pipeline } = options;
  const pins =
    options.pins === undefined || 'pinIfAbsent' in options.pins
      ? options.pins
      : versionPinStore(options.pins, options.now ? { now: options.now } : {});
  const registry = options.registry ?? pipeline?.metrics?.registry;
  const { pins: _given, ...rest } = options;
  const engine = createVersioning({
    ...rest,
    ...(pins ? { pins } : {}),
    ...(registry ? { registry } : {}),
    onPinError:
      options.onPinError ??
      ((error) => pipeline?.log?.().warn({ err: error }, 'versioning: pin store failed')),
  });
  const tenantOf = options.tenant ?? (() => pipeline?.context()?.tenantId);
  const states = new WeakMap<FastifyRequest, RequestState>();
  if (!app.hasRequestDecorator('apiVersion')) app.decorateRequest('apiVersion', undefined);

  app.addHook('onRoute', (route) => {
    const config = route.config?.versioning;
    if (config === false) return;
    const template = stripVersionSegment(route.url ?? route.path);
    const resources = config?.resources ? [...config.resources] : [];
    const describe = (request: FastifyRequest): VersionRequest => ({
      // A HEAD request is the GET route without its body: the same modules apply.
      method: request.method === 'HEAD' ? 'GET' : request.method,
      route: template,
      resources,
      inputs: {
        path: versionSegmentOf(request.originalUrl),
        header: request.headers[VERSION_HEADER],
        legacyHeader: request.headers[LEGACY_VERSION_HEADER],
        query: (request.query as Record<string, unknown> | undefined)?.[VERSION_QUERY_PARAMETER],
      },
      orgId: tenantOf(request),
    });
    const preValidation: preValidationAsyncHookHandler = async (request) => {
      const described = describe(request);
      const resolved = await engine.resolve(described, request.signal);
      states.set(request, { request: described, resolved });
      request.apiVersion = resolved;
      if (resolved.rejection) throw resolved.rejection;
      if (request.body !== undefined && engine.converts(described, resolved)) {
        request.body = engine.upgradeRequest(described, resolved, request.body);
      }
    };
    const onSend: onSendAsyncHookHandler<unknown> = async (request, reply, payload) => {
      let state = states.get(request);
      if (state === undefined) {
        // Answered before preValidation (auth, body parsing): explicit or default version.
        const described = describe(request);
        const resolved = engine.resolveLocally(described);
        if (resolved === undefined) return payload;
        state = { request: described, resolved };
      }
      setVersionHeaders(reply, engine.responseHeaders(state.resolved));
      if (!engine.converts(state.request, state.resolved)) return payload;
      if (!isJsonMediaType(reply.getHeader('content-type'))) return payload;
      const parsed = parseJsonPayload(payload);
      if (parsed === undefined) return payload;
      try {
        const body = engine.downgrade(
          state.request,
          state.resolved,
          reply.statusCode,
          parsed.value,
        );
        return JSON.stringify(body);
      } catch (error) {
        return conversionFailed(request, reply, state.resolved, error);
      }
    };
    route.preValidation = [...hooks(route.preValidation), preValidation];
    // First among the route's own onSend hooks (a HEAD route's length hook comes after).
    route.onSend = [onSend, ...hooks(route.onSend)];
  });

  /** A change module threw: a 500 problem, never the newest shape to an older caller. */
  function conversionFailed(
    request: FastifyRequest,
    reply: FastifyReply,
    resolved: ResolvedVersion,
    error: unknown,
  ): string {
    (pipeline?.log?.() ?? request.log).error(
      { err: error },
      `versioning: a change module failed to convert the response to ${resolved.version}`,
    );
    const problem = toProblem(
      new BreakwaterError(
        errors.VERSIONING_CONFIG,
        `The response could not be converted to API version ${resolved.version}.`,
      ),
      problemInstance(request),
    );
    const traceId = pipeline?.context()?.traceId;
    if (traceId !== undefined) problem.traceId = traceId;
    reply.code(500).type(PROBLEM_CONTENT_TYPE).header('cache-control', 'no-store');
    return JSON.stringify(problem);
  }
}

Object.assign(fastifyVersioning, {
  // What fastify-plugin sets: no encapsulation, a readable name in errors and the plugin tree.
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'breakwater-versioning',
});

function setVersionHeaders(reply: FastifyReply, headers: VersionHeaders): void {
  reply.header('api-version', headers['api-version']);
  if (headers.deprecation !== undefined) reply.header('deprecation', headers.deprecation);
  if (headers.sunset !== undefined) reply.header('sunset', headers.sunset);
  const link = appendLinks(reply.getHeader('link'), headers.links);
  if (link !== undefined) reply.header('link', link);
  const vary = appendVary(reply.getHeader('vary'));
  reply.header('vary', vary);
}

/** Adds API-Version and X-API-Version to `Vary`: the same URL answers per version. */
function appendVary(existing: unknown): string {
  const current = existing === undefined ? '' : String(existing);
  const names = current.split(',').map((n) => n.trim().toLowerCase());
  const missing = ['API-Version', 'X-API-Version'].filter(
    (name) => !names.includes(name.toLowerCase()) && !names.includes('*'),
  );
  return [current, ...missing].filter((part) => part !== '').join(', ');
}

/**
 * For Fastify's `rewriteUrl` option: drops a leading version segment (`/v1/x` -> `/x`) so
 * one route serves every version prefix; the plugin reads the version from
 * `request.originalUrl`. A malformed or unknown version segment is then a 400, not a 404.
 * `request.url` is the rewritten path from then on: problem answers take their `instance`
 * from `originalUrl` (`problemInstance`), so the client sees the `/v1/x` it called.
 */
export function versionRewriteUrl(request: { url?: string | undefined }): string {
  return stripVersionSegment(request.url ?? '/');
}

/** `path` under the caller's version prefix (`/v1/x`) when the URL carried one, else as is. */
export function versionedPath(request: FastifyRequest, path: string): string {
  const version = request.apiVersion;
  return version?.source === 'path' ? `/${version.version}${path}` : path;
}

function hooks<T>(existing: T | T[] | undefined): T[] {
  if (existing === undefined) return [];
  return Array.isArray(existing) ? existing : [existing];
}
