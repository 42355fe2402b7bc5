import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { JobHandlers } from './handlers.js';
import type { Schedule } from './scheduler.js';

/** What `breakwater worker <module>` runs: the module's handlers and optional schedules. */
export interface WorkerModule {
  handlers: JobHandlers;
  schedules: Schedule[];
}

function invalid(file: string, why: string, cause?: unknown): BreakwaterError {
  return new BreakwaterError(errors.JOBS_MODULE_INVALID, `${file}: ${why}`, { cause });
}

/**
 * Loads a handler module (`.ts` through tsx, else a plain import). It exports `handlers`
 * (job name -> handler), or a default export of that shape, and may export `schedules`.
 */
export async function loadWorkerModule(file: string): Promise<WorkerModule> {
  const url = pathToFileURL(file).href;
  let loaded: Record<string, unknown>;
  try {
    loaded = /\.[cm]?tsx?$/.test(file) ? await tsImport(url, import.meta.url) : await import(url);
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw invalid(file, `cannot load: ${message}`, error);
  }
  const fallback = loaded.default as Record<string, unknown> | undefined;
  const handlers = (loaded.handlers ?? fallback?.handlers ?? fallback) as unknown;
  if (typeof handlers !== 'object' || handlers === null || Object.keys(handlers).length === 0) {
    throw invalid(file, 'exports no handlers (export const handlers = { "job-name": fn })');
  }
  const schedules = (loaded.schedules ?? fallback?.schedules ?? []) as unknown;
  if (!Array.isArray(schedules)) throw invalid(file, 'export "schedules" is not an array');
  const own = { ...(handlers as Record<string, unknown>) };
  delete own.schedules;
  return { handlers: own as JobHandlers, schedules: schedules as Schedule[] };
}
