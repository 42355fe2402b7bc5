import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { httpDate, isoInstant, parseInstant, structuredDate } from './http-dates.js';

/** How a version or a route announces its end, as configured. */
export interface LifecycleConfig {
  /** When it is (or was) deprecated: a Date or ISO 8601 (`2025-01-01`, midnight UTC). */
  deprecation?: Date | string;
  /** When it stops being served; never before `deprecation`. */
  sunset?: Date | string;
  /** Documentation of the deprecation: `Link: <...>; rel="deprecation"`. */
  deprecationLink?: string;
  /** Documentation of the sunset: `Link: <...>; rel="sunset"`. */
  sunsetLink?: string;
}

/** A validated lifecycle, times in epoch milliseconds. */
export interface Lifecycle {
  readonly deprecationAt?: number;
  readonly sunsetAt?: number;
  readonly links: readonly string[];
}

export const NO_LIFECYCLE: Lifecycle = Object.freeze({ links: Object.freeze<string[]>([]) });

function invalid(detail: string): BreakwaterError {
  return new BreakwaterError(errors.VERSIONING_CONFIG, `defineVersions: ${detail}`);
}

function instant(label: string, field: string, value: Date | string | undefined) {
  if (value === undefined) return undefined;
  const ms = parseInstant(value);
  if (ms === undefined) {
    throw invalid(
      `${label}: ${field} must be a Date or an ISO 8601 date with a zone (e.g. 2025-06-01 or 2025-06-01T00:00:00Z) from 1970 to 9999, got ${JSON.stringify(String(value))}`,
    );
  }
  return ms;
}

/** A Link target: a URI reference with nothing that would break the header's syntax. */
function link(label: string, field: string, uri: string | undefined, rel: string) {
  if (uri === undefined) return [];
  let ok = typeof uri === 'string' && /^[^\s<>"\\]+$/.test(uri);
  if (ok) {
    try {
      new URL(uri, 'https://base.invalid/');
    } catch {
      ok = false;
    }
  }
  if (!ok) throw invalid(`${label}: ${field} must be a URI without spaces, <, > or quotes`);
  return [`<${uri}>; rel="${rel}"`];
}

/**
 * Validates a lifecycle once, at construction; `label` ("version v1", "route GET /x") names
 * the culprit in the error. A sunset before its deprecation is rejected.
 */
export function resolveLifecycle(label: string, config: LifecycleConfig = {}): Lifecycle {
  const deprecationAt = instant(label, 'deprecation', config.deprecation);
  const sunsetAt = instant(label, 'sunset', config.sunset);
  if (deprecationAt !== undefined && sunsetAt !== undefined && sunsetAt < deprecationAt) {
    throw invalid(
      `${label}: sunset ${isoInstant(sunsetAt)} is before its deprecation ${isoInstant(deprecationAt)}`,
    );
  }
  const links = [
    ...link(label, 'deprecationLink', config.deprecationLink, 'deprecation'),
    ...link(label, 'sunsetLink', config.sunsetLink, 'sunset'),
  ];
  return Object.freeze({
    ...(deprecationAt === undefined ? {} : { deprecationAt }),
    ...(sunsetAt === undefined ? {} : { sunsetAt }),
    links: Object.freeze(links),
  });
}

const earliest = (a: number | undefined, b: number | undefined) =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);

/** A version's and a route's lifecycles together: the earlier dates, every link. */
export function combineLifecycles(a: Lifecycle, b: Lifecycle): Lifecycle {
  if (b === NO_LIFECYCLE) return a;
  if (a === NO_LIFECYCLE) return b;
  const deprecationAt = earliest(a.deprecationAt, b.deprecationAt);
  const sunsetAt = earliest(a.sunsetAt, b.sunsetAt);
  return {
    ...(deprecationAt === undefined ? {} : { deprecationAt }),
    ...(sunsetAt === undefined ? {} : { sunsetAt }),
    links: [...new Set([...a.links, ...b.links])],
  };
}

/** True once the sunset has passed. */
export function isSunset(lifecycle: Lifecycle, now: number): boolean {
  return lifecycle.sunsetAt !== undefined && now >= lifecycle.sunsetAt;
}

/** The response headers a lifecycle announces (`link` values to append to any existing). */
export function lifecycleHeaders(lifecycle: Lifecycle): {
  deprecation?: string;
  sunset?: string;
  links: readonly string[];
} {
  return {
    ...(lifecycle.deprecationAt === undefined
      ? {}
      : { deprecation: structuredDate(lifecycle.deprecationAt) }),
    ...(lifecycle.sunsetAt === undefined ? {} : { sunset: httpDate(lifecycle.sunsetAt) }),
    links: lifecycle.links,
  };
}

/** Appends link-values to an existing `Link` header (string, list, or none). */
export function appendLinks(existing: unknown, links: readonly string[]): string | undefined {
  const current = Array.isArray(existing)
    ? existing.map(String)
    : existing === undefined || existing === null || existing === ''
      ? []
      : [String(existing)];
  const all = [...current, ...links.filter((l) => !current.some((c) => c.includes(l)))];
  return all.length === 0 ? undefined : all.join(', ');
}
