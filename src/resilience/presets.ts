/** A named breaker configuration from our domain: failures in a row and open duration. */
export interface BreakerPreset {
  consecutiveFailures: number;
  openDurationMs: number;
}

/**
 * The upstreams Breakwater services usually call. A breaker named after a preset (`slack`)
 * or prefixed by one (`slack:alerts`) starts from it in a BreakerRegistry.
 */
export const BREAKER_PRESETS = Object.freeze({
  slack: Object.freeze({ consecutiveFailures: 5, openDurationMs: 30_000 }),
  teams: Object.freeze({ consecutiveFailures: 5, openDurationMs: 30_000 }),
  email: Object.freeze({ consecutiveFailures: 3, openDurationMs: 60_000 }),
  database: Object.freeze({ consecutiveFailures: 10, openDurationMs: 20_000 }),
  storage: Object.freeze({ consecutiveFailures: 8, openDurationMs: 30_000 }),
} satisfies Record<string, BreakerPreset>);

export type PresetName = keyof typeof BREAKER_PRESETS;

/** The preset a breaker name selects: its exact name, or the part before the first `:`. */
export function presetFor(
  name: string,
  presets: Readonly<Record<string, BreakerPreset>> = BREAKER_PRESETS,
): BreakerPreset | undefined {
  const key = name.includes(':') ? name.slice(0, name.indexOf(':')) : name;
  return Object.hasOwn(presets, key) ? presets[key] : undefined;
}
