import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { type ResolvedConfig, resolveConfig } from './resolve.js';

/** File names looked for, in this order, in the working directory. */
export const CONFIG_FILE_NAMES = [
  'breakwater.config.ts',
  'breakwater.config.mts',
  'breakwater.config.js',
  'breakwater.config.mjs',
  'breakwater.config.json',
] as const;

/** The first config file in `dir`, or undefined. */
export function findConfigFile(dir: string): string | undefined {
  for (const name of CONFIG_FILE_NAMES) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

const invalid = (file: string, why: string) =>
  new BreakwaterError(errors.CONFIG_INVALID, `${path.basename(file)}: ${why}`);

/** Reads a config file's export: JSON parsed; TS through tsx; JS imported. */
export async function readConfigFile(file: string): Promise<unknown> {
  if (file.endsWith('.json')) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw invalid(file, `cannot read: ${(error as Error).message}`);
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      throw invalid(file, `is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (!existsSync(file)) throw invalid(file, 'does not exist');
  let loaded: Record<string, unknown>;
  try {
    const url = pathToFileURL(file).href;
    loaded = /\.m?ts$/.test(file) ? await tsImport(url, import.meta.url) : await import(url);
  } catch (error) {
    throw invalid(file, `cannot load: ${(error as Error).message.split('\n')[0]}`);
  }
  const value = loaded.default ?? loaded.config;
  if (value === undefined) throw invalid(file, 'must export the config as default');
  // tsx may wrap a CommonJS-style default once more
  const inner = (value as { default?: unknown }).default;
  return inner !== undefined && (value as { service?: unknown }).service === undefined
    ? inner
    : value;
}

/**
 * Loads and validates the configuration: `file` when given, else the first
 * `breakwater.config.{ts,mts,js,mjs,json}` in `cwd`. Throws BW_CONFIG_INVALID when there is
 * none or it is invalid, naming the file and the field.
 */
export async function loadConfig(
  options: { file?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ResolvedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const file = options.file === undefined ? findConfigFile(cwd) : path.resolve(cwd, options.file);
  if (file === undefined) {
    throw new BreakwaterError(
      errors.CONFIG_INVALID,
      `no breakwater.config.{ts,js,json} in ${cwd} (pass --config <path>)`,
    );
  }
  const input = await readConfigFile(file);
  return resolveConfig(input, {
    root: path.dirname(file),
    file,
    ...(options.env ? { env: options.env } : {}),
  });
}
