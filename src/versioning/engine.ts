import { BreakwaterError, isBreakwaterError } from '../errors/breakwater-error.js';
import type { Problem } from '../errors/problem.js';
import { errors } from '../errors/registry.js';
import type { ChangeContext } from './change-module.js';
import { isSunset, type Lifecycle, lifecycleHeaders } from './lifecycle.js';
import { orgLabeler, type VersioningMetrics, versioningMetrics } from './metrics.js';
import { resolveVersioningOptions, type VersioningOptions } from './options.js';
import { createPinCache } from './pin-cache.js';
import { explicitVersion, type VersionInputs, type VersionSource } from './resolve.js';
import { pinnedVersion, sunsetError } from './sunset.js';
import type { VersionSet } from './version-set.js';
import {
  applicableChanges,
  downgradeError,
  downgradeResponse,
  isPlainObject,
  upgradeRequest,
} from './walk.js';

/** One request as the capability sees it, whatever the framework. */
export interface VersionRequest {
  /** Upper-case method. */
  method: string;
  /** The route template without version prefix, e.g. `/recognitions/:id`. */
  route: string;
  /** Resource types the route serves (for modules that name resources). */
  resources?: readonly string[];
  inputs: VersionInputs;
  /** The authenticated organization, when known: pinning and per-organization metrics. */
  orgId?: string | undefined;
}

/** The version a request is served in. */
export interface ResolvedVersion {
  readonly version: string;
  readonly source: VersionSource;
  /** Deprecation and sunset of the version and route together. */
  readonly lifecycle: Lifecycle;
  /** The 410 to answer instead of running the handler (past sunset, `afterSunset: reject`). */
  readonly rejection?: BreakwaterError;
}

/** The headers a versioned response carries; `links` are appended to any `Link` already set. */
export interface VersionHeaders {
  'api-version': string;
  deprecation?: string;
  sunset?: string;
  links: readonly string[];
}

export interface Versioning {
  readonly versions: VersionSet;
  readonly metrics: VersioningMetrics;
  /** The versions a caller may use now (past-sunset ones left out when they are refused). */
  supported(): string[];
  /** Resolves the request's version; throws 400, 503 or 500 problems (see docs). */
  resolve(request: VersionRequest, signal?: AbortSignal): Promise<ResolvedVersion>;
  /** The explicit or default version without the store, for answers sent before `resolve`. */
  resolveLocally(request: VersionRequest): ResolvedVersion | undefined;
  /** True when some change module stands between the caller's version and the handler. */
  converts(request: VersionRequest, resolved: ResolvedVersion): boolean;
  upgradeRequest(request: VersionRequest, resolved: ResolvedVersion, body: unknown): unknown;
  /** A success body (status < 400) or a problem body (>= 400) in the caller's version. */
  downgrade(
    request: VersionRequest,
    resolved: ResolvedVersion,
    status: number,
    body: unknown,
  ): unknown;
  responseHeaders(resolved: ResolvedVersion): VersionHeaders;
}

/** The framework-independent versioning capability; framework glue calls it per request. */
export function createVersioning(options: VersioningOptions): Versioning {
  const resolved = resolveVersioningOptions(options);
  const { versions: set, now, afterSunset } = resolved;
  const metrics = versioningMetrics(options.registry);
  const pins = resolved.pins
    ? createPinCache(resolved.pins, {
        ttlMs: resolved.pinCacheTtlMs,
        maxEntries: resolved.pinCacheSize,
        now,
      })
    : undefined;
  const org = options.orgMetrics;
  const orgLabel = org ? orgLabeler(org) : undefined;
  const perOrg = (version: string) =>
    org?.versions === 'all' ||
    set.versions.some(
      (v) => v.id === version && (v.lifecycle.deprecationAt ?? v.lifecycle.sunsetAt) !== undefined,
    );

  const supported = () =>
    afterSunset === 'serve'
      ? [...set.ids]
      : set.versions.filter((v) => !isSunset(v.lifecycle, now())).map((v) => v.id);

  const context = (request: VersionRequest, version: string): ChangeContext => ({
    method: request.method,
    route: request.route,
    resources: request.resources ?? [],
    version,
  });

  const finish = (request: VersionRequest, version: string, source: VersionSource) => {
    const lifecycle = set.lifecycleOf(version, request.method, request.route);
    if (afterSunset === 'reject' && isSunset(lifecycle, now())) {
      metrics.rejections.inc({ reason: 'sunset' });
      const rejection = sunsetError(set, version, request, now(), supported());
      return { version, source, lifecycle, rejection };
    }
    metrics.requests.inc({ version, source });
    if (orgLabel && request.orgId && perOrg(version)) {
      metrics.orgRequests.inc({ version, org: orgLabel(request.orgId) });
    }
    return { version, source, lifecycle };
  };

  /** The organization's pin (pinning it first), or undefined when it cannot or need not be read. */
  async function pinOf(request: VersionRequest, explicit: boolean, signal?: AbortSignal) {
    if (!pins || !request.orgId) return undefined; // no pin without an organization
    try {
      return await pins.pinned(request.orgId, set.current, signal);
    } catch (error) {
      options.onPinError?.(error);
      if (explicit || resolved.pinFailOpen) return undefined;
      if (isBreakwaterError(error)) {
        metrics.rejections.inc({ reason: 'config' });
        throw error;
      }
      metrics.rejections.inc({ reason: 'store' });
      throw new BreakwaterError(
        errors.VERSION_STORE_UNAVAILABLE,
        "The organization's API version could not be read; retry later or send API-Version.",
        { cause: error, headers: { 'retry-after': '1' } },
      );
    }
  }

  return {
    versions: set,
    metrics,
    supported,
    resolve: async (request, signal) => {
      let explicit: ReturnType<typeof explicitVersion>;
      try {
        explicit = explicitVersion(set, request.inputs, supported());
      } catch (error) {
        metrics.rejections.inc({ reason: 'invalid' });
        throw error;
      }
      const pin = await pinOf(request, explicit !== undefined, signal);
      if (explicit) return finish(request, explicit.id, explicit.source);
      if (pin === undefined) return finish(request, set.defaultVersion, 'default');
      try {
        return finish(request, pinnedVersion(set, pin, supported()), 'pin');
      } catch (error) {
        metrics.rejections.inc({ reason: hasStatus(error, 410) ? 'sunset' : 'config' });
        throw error;
      }
    },
    resolveLocally: (request) => {
      try {
        const explicit = explicitVersion(set, request.inputs);
        const version = explicit?.id ?? set.defaultVersion;
        const lifecycle = set.lifecycleOf(version, request.method, request.route);
        return { version, source: explicit?.source ?? 'default', lifecycle };
      } catch {
        return undefined;
      }
    },
    converts: (request, version) =>
      applicableChanges(set, context(request, version.version)).length > 0,
    upgradeRequest: (request, version, body) =>
      upgradeRequest(set, context(request, version.version), body),
    downgrade: (request, version, status, body) => {
      const ctx = { ...context(request, version.version), status };
      if (status >= 400 && isPlainObject(body)) {
        return downgradeError(set, ctx, body as Problem);
      }
      return downgradeResponse(set, ctx, body);
    },
    responseHeaders: (version) => ({
      'api-version': version.version,
      ...lifecycleHeaders(version.lifecycle),
    }),
  };
}

function hasStatus(error: unknown, status: number): boolean {
  return isBreakwaterError(error) && error.status === status;
}
