const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration for the CLI and the admin API: `500ms`, `30s`, `2m`, `1h`, `1.5s`, or
 * a bare number of milliseconds. Undefined when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (match === null) return undefined;
  const value = Number(match[1]) * (UNITS[match[2] ?? 'ms'] as number);
  return Number.isFinite(value) ? Math.round(value) : undefined;
}
