import type { BreakwaterConfig } from './schema.js';

/**
 * Types a `breakwater.config.ts` for the editor; returns its argument unchanged. Validation
 * happens when Breakwater loads the file, with messages that name the field.
 */
export function defineConfig(config: BreakwaterConfig): BreakwaterConfig {
  return config;
}
