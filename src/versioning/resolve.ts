import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { VersionSet } from './version-set.js';

/** Where the version of a request came from, highest precedence first. */
export type VersionSource = 'path' | 'header' | 'query' | 'pin' | 'default';

/** The version inputs of one request, as the framework found them. */
export interface VersionInputs {
  /** The URL's version segment (`v1`), when its first segment is one. */
  path?: string | undefined;
  /** `API-Version` field value(s). */
  header?: string | readonly string[] | undefined;
  /** `X-API-Version` field value(s). */
  legacyHeader?: string | readonly string[] | undefined;
  /** The `api_version` query parameter as parsed (a string, or a list when repeated). */
  query?: unknown;
}

export interface ExplicitVersion {
  id: string;
  source: 'path' | 'header' | 'query';
}

export const VERSION_HEADER = 'api-version';
export const LEGACY_VERSION_HEADER = 'x-api-version';
export const VERSION_QUERY_PARAMETER = 'api_version';

/** Quotes a caller's value for a problem detail, cut short so a problem stays small. */
function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
}

/** The BW_VERSION_UNKNOWN error, listing the versions a caller may use. */
export function unknownVersion(
  detail: string,
  supported: readonly string[],
  source?: string,
): BreakwaterError {
  return new BreakwaterError(
    errors.VERSION_UNKNOWN,
    `${detail} Supported: ${supported.join(', ')}.`,
    {
      extensions: {
        supportedVersions: [...supported],
        ...(source ? { versionSource: source } : {}),
      },
    },
  );
}

/** A source as problems name it: a label for the detail, a token for `versionSource`. */
interface SourceName {
  label: string;
  token: string;
}

const PATH: SourceName = { label: 'The path version', token: 'path' };
const HEADER: SourceName = { label: 'API-Version', token: 'API-Version' };
const LEGACY: SourceName = { label: 'X-API-Version', token: 'X-API-Version' };
const QUERY: SourceName = { label: 'The api_version parameter', token: 'api_version' };

/** One source's values (several header lines or repeated parameters) as a single string. */
function single(name: SourceName, value: unknown, supported: readonly string[]) {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) return undefined;
  if (list.some((item) => typeof item !== 'string')) {
    throw unknownVersion(`${name.label} is not a plain value.`, supported, name.token);
  }
  const distinct = [...new Set((list as string[]).map((item) => item.trim()))];
  if (distinct.length > 1) {
    throw unknownVersion(`${name.label} was given more than once.`, supported, name.token);
  }
  return distinct[0] as string;
}

function parse(set: VersionSet, name: SourceName, raw: string, supported: readonly string[]) {
  const parsed = set.parse(raw);
  if (parsed.kind === 'malformed') {
    throw unknownVersion(`${name.label} ${quote(raw)} is not a version.`, supported, name.token);
  }
  if (parsed.kind === 'unknown') {
    throw unknownVersion(
      `${name.label} ${parsed.id} is not a version of this API.`,
      supported,
      name.token,
    );
  }
  return parsed.id;
}

/**
 * The version a request asks for explicitly, by precedence path > header > query, or
 * undefined when it names none. Every source present is validated, so a malformed or
 * unknown value anywhere is a 400 (BW_VERSION_UNKNOWN) listing `supported`, and so are the
 * two headers disagreeing.
 */
export function explicitVersion(
  set: VersionSet,
  inputs: VersionInputs,
  supported: readonly string[] = set.ids,
): ExplicitVersion | undefined {
  const read = (name: SourceName, value: unknown): string | undefined => {
    const raw = single(name, value, supported);
    return raw === undefined ? undefined : parse(set, name, raw, supported);
  };
  const path = read(PATH, inputs.path);
  const header = read(HEADER, inputs.header);
  const legacy = read(LEGACY, inputs.legacyHeader);
  if (header !== undefined && legacy !== undefined && header !== legacy) {
    throw unknownVersion(
      `API-Version ${header} and X-API-Version ${legacy} disagree.`,
      supported,
      HEADER.token,
    );
  }
  const query = read(QUERY, inputs.query);
  if (path !== undefined) return { id: path, source: 'path' };
  const fromHeader = header ?? legacy;
  if (fromHeader !== undefined) return { id: fromHeader, source: 'header' };
  if (query !== undefined) return { id: query, source: 'query' };
  return undefined;
}
