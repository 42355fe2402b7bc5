import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { isoInstant } from './http-dates.js';
import { isSunset } from './lifecycle.js';
import { compareVersions } from './version-id.js';
import type { VersionSet } from './version-set.js';

/**
 * The 410 for a request past its sunset: the version's own, else the route's. The problem
 * names the date and lists the versions still served.
 */
export function sunsetError(
  set: VersionSet,
  version: string,
  request: { method: string; route: string },
  now: number,
  supported: readonly string[],
): BreakwaterError {
  const own = set.versions[set.indexOf(version)]?.lifecycle;
  const lifecycle = set.lifecycleOf(version, request.method, request.route);
  const byVersion = own !== undefined && isSunset(own, now);
  const at = isoInstant((byVersion ? own.sunsetAt : lifecycle.sunsetAt) ?? now);
  const detail = byVersion
    ? `API version ${version} was sunset on ${at} and is no longer served; use one of: ${supported.join(', ')}.`
    : `${request.method} ${request.route} was sunset on ${at} for API version ${version}.`;
  return new BreakwaterError(errors.VERSION_SUNSET, detail, {
    extensions: { supportedVersions: [...supported], sunset: at },
  });
}

/**
 * The version an organization's stored pin names. A pin to a version older than every
 * declared one was removed after its sunset (410); any other unknown pin is an operator's
 * mistake (500 BW_VERSIONING_CONFIG).
 */
export function pinnedVersion(set: VersionSet, pin: string, supported: readonly string[]): string {
  const parsed = set.parse(pin);
  if (parsed.kind === 'known') return parsed.id;
  const oldest = set.ids[0] as string;
  if (parsed.kind === 'unknown' && compareVersions(set.scheme, parsed.id, oldest) < 0) {
    return gone(parsed.id, supported);
  }
  throw new BreakwaterError(
    errors.VERSIONING_CONFIG,
    `The organization is pinned to API version "${pin.slice(0, 40)}", which this service does not declare; an operator must move the pin (breakwater versions pin).`,
  );
}

function gone(version: string, supported: readonly string[]): never {
  throw new BreakwaterError(
    errors.VERSION_SUNSET,
    `The organization is pinned to API version ${version}, which is no longer served; send API-Version with one of: ${supported.join(', ')}.`,
    { extensions: { supportedVersions: [...supported] } },
  );
}
