/**
 * Version identifiers. One service uses one scheme: integers (`1`, `v1`, canonical `v1`) or
 * calendar dates (`2024-06-01`, canonical as written). Both sort by their meaning: `v10`
 * after `v9`, dates chronologically.
 */
export type VersionScheme = 'integer' | 'date';

/** Longest raw value we look at; anything longer is malformed without further parsing. */
export const MAX_VERSION_LENGTH = 32;

const INTEGER = /^[vV]?(0|[1-9][0-9]{0,8})$/;
const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

/** The canonical form of `raw` in `scheme`, or undefined when it is malformed. */
export function parseVersion(scheme: VersionScheme, raw: string): string | undefined {
  if (raw.length === 0 || raw.length > MAX_VERSION_LENGTH) return undefined;
  if (scheme === 'integer') {
    const match = INTEGER.exec(raw);
    return match ? `v${match[1]}` : undefined;
  }
  return isCalendarDate(raw) ? raw : undefined;
}

/** The scheme a declared version belongs to, or undefined when it fits neither. */
export function schemeOf(raw: string): VersionScheme | undefined {
  if (parseVersion('integer', raw) !== undefined) return 'integer';
  if (parseVersion('date', raw) !== undefined) return 'date';
  return undefined;
}

/** Orders two canonical versions of one scheme: negative when `a` is older. */
export function compareVersions(scheme: VersionScheme, a: string, b: string): number {
  if (scheme === 'integer') return Number(a.slice(1)) - Number(b.slice(1));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True for an existing `YYYY-MM-DD` day from 1970 on. */
export function isCalendarDate(raw: string): boolean {
  const match = DATE.exec(raw);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1970 || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * True when a URL path segment is meant as a version (`v1`, `V2`, `v2024-06-01`,
 * `2024-06-01`): `v` and a digit, or four digits and a dash. Such a segment is read (and
 * validated) as the path version; any other first segment is an ordinary path.
 */
export function isVersionSegment(segment: string): boolean {
  return /^[vV][0-9]/.test(segment) || /^[0-9]{4}-/.test(segment);
}

/** The first segment of a path (query and fragment ignored), when it is a version segment. */
export function versionSegmentOf(url: string): string | undefined {
  const match = /^\/([^/?#]*)/.exec(url);
  const segment = match?.[1];
  return segment !== undefined && isVersionSegment(segment) ? segment : undefined;
}

/**
 * `url` without its leading version segment (`/v1/recognitions?x=1` -> `/recognitions?x=1`,
 * `/v1` -> `/`); other URLs unchanged. Use it as Fastify's `rewriteUrl` so one route serves
 * every version prefix.
 */
export function stripVersionSegment(url: string): string {
  const segment = versionSegmentOf(url);
  if (segment === undefined) return url;
  const rest = url.slice(segment.length + 1);
  return rest.startsWith('/') ? rest : `/${rest}`;
}
