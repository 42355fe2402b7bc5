import path from 'node:path';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';

/** Where the embedded default keeps its state, relative to the working directory. */
export const DEFAULT_SQLITE_PATH = '.breakwater/state.db';

export type StoreLocation =
  | { kind: 'sqlite'; path: string; memory: boolean }
  | { kind: 'postgres'; connectionString: string; schema: string | undefined }
  | { kind: 'redis'; connectionString: string; prefix: string };

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function invalid(url: string, why: string): BreakwaterError {
  return new BreakwaterError(errors.STORE_URL_INVALID, `store URL "${redact(url)}": ${why}`);
}

/** Hides a password in a URL so it can appear in an error or a log line. */
export function redact(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}

/**
 * Parses a store URL: `sqlite:<path>` (or `sqlite::memory:`), `postgres://...` with an
 * optional `?schema=` and `redis://...` with an optional `?prefix=`. Relative SQLite paths
 * resolve against `cwd`. Throws BW_STORE_URL_INVALID with a one-line reason.
 */
export function parseStoreUrl(url: string, cwd: string = process.cwd()): StoreLocation {
  const trimmed = url.trim();
  if (trimmed === '') throw invalid(url, 'is empty');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'sqlite':
      return parseSqlite(trimmed, cwd);
    case 'postgres':
    case 'postgresql':
      return parsePostgres(trimmed);
    case 'redis':
    case 'rediss':
      return parseRedis(trimmed);
    case undefined:
      throw invalid(url, 'has no scheme; use sqlite:<path>, postgres://... or redis://...');
    default:
      throw invalid(url, `unknown scheme "${scheme}:"; use sqlite:, postgres:// or redis://`);
  }
}

function parseSqlite(url: string, cwd: string): StoreLocation {
  let rest = url.slice('sqlite:'.length);
  if (rest.startsWith('//')) rest = rest.slice(2); // sqlite://relative or sqlite:///absolute
  if (rest === ':memory:') return { kind: 'sqlite', path: ':memory:', memory: true };
  if (rest === '') rest = DEFAULT_SQLITE_PATH;
  if (rest.includes('\0')) throw invalid(url, 'path contains a NUL byte');
  return { kind: 'sqlite', path: path.resolve(cwd, rest), memory: false };
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw invalid(url, 'is not a valid URL');
  }
}

function parsePostgres(url: string): StoreLocation {
  const parsed = parseUrl(url);
  if (parsed.hostname === '' && !parsed.searchParams.has('host')) {
    throw invalid(url, 'has no host');
  }
  const schema = parsed.searchParams.get('schema') ?? undefined;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw invalid(url, `schema "${schema}" must match ${SCHEMA_NAME.source}`);
  }
  parsed.searchParams.delete('schema');
  return { kind: 'postgres', connectionString: parsed.toString(), schema };
}

function parseRedis(url: string): StoreLocation {
  const parsed = parseUrl(url);
  if (parsed.hostname === '') throw invalid(url, 'has no host');
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw invalid(url, `database "${db}" must be a number`);
  const prefix = parsed.searchParams.get('prefix') ?? 'bw:';
  parsed.searchParams.delete('prefix');
  return { kind: 'redis', connectionString: parsed.toString(), prefix };
}
