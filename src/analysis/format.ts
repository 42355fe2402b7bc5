/** Number formatting shared by trigger reasons and verdicts, so both read the same. */

/** A share as a percentage with at most one decimal: 0.203 -> "20.3%", 0.05 -> "5%". */
export function formatPercent(share: number): string {
  return `${Number((share * 100).toFixed(1))}%`;
}

/** Milliseconds with at most one decimal: "12.3 ms", "2000 ms". */
export function formatMs(ms: number | null): string {
  return ms === null ? 'n/a' : `${Number(ms.toFixed(1))} ms`;
}

/** A duration in seconds with one decimal: 2000 -> "2.0 s". */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Bytes in MiB with one decimal: "512.0 MiB". */
export function formatBytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MiB`;
}

/** A ratio with two decimals: "3.00x". */
export function formatRatio(ratio: number | null): string {
  return ratio === null ? 'n/a' : `${ratio.toFixed(2)}x`;
}

/** `a / b`, or null when `b` is 0 (so no Infinity or NaN reaches a JSON history). */
export function safeRatio(a: number | null, b: number | null): number | null {
  if (a === null || b === null || b === 0) return null;
  return a / b;
}
