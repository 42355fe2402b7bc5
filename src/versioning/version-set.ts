import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import {
  type ChangeModule,
  parseRoutePattern,
  type RoutePattern,
  routeMatches,
} from './change-module.js';
import {
  combineLifecycles,
  type Lifecycle,
  type LifecycleConfig,
  NO_LIFECYCLE,
  resolveLifecycle,
} from './lifecycle.js';
import { checkChange } from './validate-change.js';
import { compareVersions, parseVersion, schemeOf, type VersionScheme } from './version-id.js';

/** One version as declared: its id and, optionally, its deprecation and sunset. */
export interface VersionDefinition extends LifecycleConfig {
  version: string | number;
  /** A headline for the changelog. */
  summary?: string;
}

/** A route's own deprecation, for every version or only some. */
export interface RouteLifecycleConfig extends LifecycleConfig {
  /** `METHOD /template` or `/template`, without version prefix. */
  route: string;
  /** Only in these versions; default every version. */
  versions?: readonly (string | number)[];
}

export interface VersionSetConfig {
  /** Every supported version, in any order; integers or dates, not both. */
  versions: readonly (VersionDefinition | string | number)[];
  changes?: readonly ChangeModule[];
  routes?: readonly RouteLifecycleConfig[];
  /** What a new organization is pinned to; default the newest version. */
  current?: string | number;
  /** What a request without version or pin gets; default `current`. */
  defaultVersion?: string | number;
}

export interface VersionInfo {
  readonly id: string;
  readonly summary: string | undefined;
  readonly lifecycle: Lifecycle;
  /** The modules this version introduced, in declaration order. */
  readonly changes: readonly ResolvedChange[];
}

export interface ResolvedChange {
  readonly module: ChangeModule;
  readonly patterns: readonly RoutePattern[];
}

interface RouteLifecycle {
  readonly pattern: RoutePattern;
  readonly versions: ReadonlySet<string> | undefined;
  readonly lifecycle: Lifecycle;
}

/** What a raw version value is, in a set. */
export type ParsedVersion =
  | { kind: 'known'; id: string }
  | { kind: 'unknown'; id: string }
  | { kind: 'malformed' };

const BRAND = Symbol.for('breakwater.versioning.version-set');

/** The validated, ordered versions of a service and the changes between them. */
export interface VersionSet {
  readonly [BRAND]: true;
  readonly scheme: VersionScheme;
  /** Oldest first. */
  readonly versions: readonly VersionInfo[];
  readonly ids: readonly string[];
  readonly newest: string;
  readonly current: string;
  readonly defaultVersion: string;
  readonly routes: readonly RouteLifecycle[];
  parse(raw: string): ParsedVersion;
  /** Position in `versions` (0 = oldest); -1 when unknown. */
  indexOf(id: string): number;
  /** The version's lifecycle combined with any route lifecycle that covers the request. */
  lifecycleOf(id: string, method: string, route: string): Lifecycle;
}

/** True for a version set, including one made by another copy of the package. */
export function isVersionSet(value: unknown): value is VersionSet {
  return typeof value === 'object' && value !== null && (value as VersionSet)[BRAND] === true;
}

function invalid(detail: string): BreakwaterError {
  return new BreakwaterError(errors.VERSIONING_CONFIG, `defineVersions: ${detail}`);
}

/**
 * Validates and orders a service's versions, their lifecycles and change modules once, at
 * start-up; every mistake is a BW_VERSIONING_CONFIG error naming the version or module.
 */
export function defineVersions(config: VersionSetConfig): VersionSet {
  const declared = (Array.isArray(config?.versions) ? config.versions : []).map((entry) =>
    typeof entry === 'object' && entry !== null ? entry : { version: entry },
  );
  if (declared.length === 0) throw invalid('versions must list at least one version');
  const first = String(declared[0]?.version);
  const scheme = schemeOf(first);
  if (scheme === undefined) throw invalid(`version "${first}" is neither v<n> nor YYYY-MM-DD`);
  const canonical = (raw: unknown, what: string): string => {
    const id = parseVersion(scheme, String(raw));
    if (id === undefined) {
      throw invalid(
        `${what} "${String(raw)}" is not a${scheme === 'integer' ? 'n integer version (v<n>)' : ' date version (YYYY-MM-DD)'} like "${first}"`,
      );
    }
    return id;
  };

  const byId = new Map<string, VersionDefinition>();
  for (const entry of declared) {
    const id = canonical(entry.version, 'version');
    if (byId.has(id)) throw invalid(`version ${id} is declared twice`);
    byId.set(id, entry);
  }
  const ids = [...byId.keys()].sort((a, b) => compareVersions(scheme, a, b));
  const known = (raw: unknown, what: string): string => {
    const id = canonical(raw, what);
    if (!byId.has(id)) throw invalid(`${what} ${id} is not a declared version (${ids.join(', ')})`);
    return id;
  };

  const changes = new Map<string, ResolvedChange[]>(ids.map((id) => [id, []]));
  for (const [index, module] of (config.changes ?? []).entries()) {
    const label = `change #${index + 1}${typeof module?.description === 'string' ? ` ("${module.description.slice(0, 40)}")` : ''}`;
    const id = known(module?.version, `${label}: version`);
    if (id === ids[0]) throw invalid(`${label}: introduced in the oldest version ${id}`);
    changes.get(id)?.push({ module, patterns: checkChange(label, module) });
  }

  const versions = ids.map((id): VersionInfo => {
    const entry = byId.get(id) ?? { version: id };
    return Object.freeze({
      id,
      summary: typeof entry.summary === 'string' ? entry.summary : undefined,
      lifecycle: resolveLifecycle(`version ${id}`, entry),
      changes: Object.freeze(changes.get(id) ?? []),
    });
  });
  const routes = (config.routes ?? []).map((entry): RouteLifecycle => {
    const pattern = parseRoutePattern(String(entry?.route));
    if (!pattern) throw invalid(`route "${String(entry?.route)}" is not "METHOD /path"`);
    const label = `route ${entry.route}`;
    return {
      pattern,
      versions: entry.versions
        ? new Set(entry.versions.map((v) => known(v, `${label}: version`)))
        : undefined,
      lifecycle: resolveLifecycle(label, entry),
    };
  });
  const newest = ids[ids.length - 1] as string;
  const current = config.current === undefined ? newest : known(config.current, 'current');
  const defaultVersion =
    config.defaultVersion === undefined ? current : known(config.defaultVersion, 'defaultVersion');
  const positions = new Map(ids.map((id, i) => [id, i]));

  return Object.freeze({
    [BRAND]: true as const,
    scheme,
    versions: Object.freeze(versions),
    ids: Object.freeze(ids),
    newest,
    current,
    defaultVersion,
    routes: Object.freeze(routes),
    parse: (raw: string): ParsedVersion => {
      const id = parseVersion(scheme, raw);
      if (id === undefined) return { kind: 'malformed' };
      return byId.has(id) ? { kind: 'known', id } : { kind: 'unknown', id };
    },
    indexOf: (id: string) => positions.get(id) ?? -1,
    lifecycleOf: (id: string, method: string, route: string): Lifecycle => {
      let lifecycle = versions[positions.get(id) ?? -1]?.lifecycle ?? NO_LIFECYCLE;
      for (const entry of routes) {
        if (!routeMatches(entry.pattern, method, route)) continue;
        if (entry.versions && !entry.versions.has(id)) continue;
        lifecycle = combineLifecycles(lifecycle, entry.lifecycle);
      }
      return lifecycle;
    },
  });
}
