import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { BreakwaterError, isBreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { isVersionSet, type VersionSet } from './version-set.js';

/** Where `breakwater versions changelog` looks without `--module`, relative to the cwd. */
export const DEFAULT_VERSIONS_MODULE = 'src/api-versions.ts';

/**
 * Loads the file that exports a service's version set: its default export, an export named
 * `versions`, or its only export that is a version set. TypeScript goes through tsx's
 * `tsImport`; JavaScript through a plain dynamic import.
 */
export async function loadVersionSet(file: string, cwd = process.cwd()): Promise<VersionSet> {
  const resolved = path.resolve(cwd, file);
  const url = pathToFileURL(resolved).href;
  let loaded: Record<string, unknown>;
  try {
    loaded = /\.[cm]?ts$/.test(resolved)
      ? ((await tsImport(url, import.meta.url)) as Record<string, unknown>)
      : ((await import(url)) as Record<string, unknown>);
  } catch (error) {
    if (isBreakwaterError(error)) throw error;
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new BreakwaterError(errors.VERSIONING_CONFIG, `${file}: cannot load: ${message}`, {
      cause: error,
    });
  }
  if (isVersionSet(loaded.default)) return loaded.default;
  if (isVersionSet(loaded.versions)) return loaded.versions;
  const sets = Object.values(loaded).filter(isVersionSet);
  if (sets.length === 1) return sets[0] as VersionSet;
  throw new BreakwaterError(
    errors.VERSIONING_CONFIG,
    sets.length === 0
      ? `${file}: exports no version set (export the result of defineVersions())`
      : `${file}: exports ${sets.length} version sets; export one as "versions" or default`,
  );
}
