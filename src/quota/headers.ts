import type { ConsumedQuota, Consumption } from './engine.js';

/**
 * RateLimit and RateLimit-Policy fields of draft-ietf-httpapi-ratelimit-headers-10, in
 * Structured Field syntax (RFC 9651): a List of sf-string policy names with integer
 * parameters. `RateLimit-Policy: "daily";q=1000;w=86400` and `RateLimit: "daily";r=50;t=30`.
 */

export const RATELIMIT_POLICY_HEADER = 'RateLimit-Policy';
export const RATELIMIT_HEADER = 'RateLimit';
/** Lists quotas at their warning threshold or in overage (soft), same syntax. */
export const QUOTA_WARNING_HEADER = 'Quota-Warning';

const MAX_SF_INTEGER = 999_999_999_999_999;

/** An sf-string: printable ASCII only, `"` and `\` escaped. */
export function sfString(value: string): string {
  if (!/^[\x20-\x7e]*$/.test(value)) {
    throw new TypeError(`not representable as an sf-string: ${JSON.stringify(value)}`);
  }
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** An sf-integer (whole, at most 15 digits; fractions are floored, negatives made 0). */
export function sfInteger(value: number): string {
  return String(Math.min(MAX_SF_INTEGER, Math.max(0, Math.floor(value))));
}

/** An sf-binary (byte sequence): `:base64:`. */
export function sfBinary(value: string | Uint8Array): string {
  return `:${Buffer.from(value).toString('base64')}:`;
}

/** Seconds from `now` to `at`, rounded up, never negative. */
export const secondsUntil = (at: number, now: number): number =>
  Math.max(0, Math.ceil((at - now) / 1000));

/** The policy window in seconds: the current calendar window's length, or the rolling one. */
export function windowSeconds(item: ConsumedQuota): number | undefined {
  const quota = item.definition;
  if (quota.calendar !== undefined) return Math.round((item.windowEnd - item.start) / 1000);
  return quota.windowMs > 0 ? quota.windowMs / 1000 : undefined;
}

/**
 * Seconds until the policy resets as the RateLimit `t` parameter: for a quota that refused
 * the request, until it would fit; else until the counted usage is fully given back.
 */
export function resetSeconds(item: ConsumedQuota, now: number): number | undefined {
  const at = item.fits ? item.resetAt : (item.retryAt ?? item.resetAt);
  return at === undefined ? undefined : secondsUntil(at, now);
}

/** `RateLimit-Policy`: one member per quota; `pk` (a partition key) when given. */
export function formatPolicy(items: readonly ConsumedQuota[], partitionKey?: string): string {
  return items
    .map((item) => {
      let member = `${sfString(item.quota)};q=${sfInteger(item.limit)}`;
      const unit = item.definition.unit;
      if (unit !== undefined && unit !== 'requests') member += `;qu=${sfString(unit)}`;
      const w = windowSeconds(item);
      if (w !== undefined) member += `;w=${sfInteger(w)}`;
      if (partitionKey !== undefined) member += `;pk=${sfBinary(partitionKey)}`;
      return member;
    })
    .join(', ');
}

/** `RateLimit`: remaining `r` and seconds to reset `t` of each quota. */
export function formatRateLimit(
  items: readonly ConsumedQuota[],
  now: number,
  partitionKey?: string,
): string {
  return items
    .map((item) => {
      let member = `${sfString(item.quota)};r=${sfInteger(item.remaining)}`;
      const t = resetSeconds(item, now);
      if (t !== undefined) member += `;t=${sfInteger(t)}`;
      if (partitionKey !== undefined) member += `;pk=${sfBinary(partitionKey)}`;
      return member;
    })
    .join(', ');
}

/** `Quota-Warning` members for quotas at their threshold or over a soft limit; '' if none. */
export function formatWarning(items: readonly ConsumedQuota[]): string {
  return items
    .filter((item) => item.warning || item.overage > 0)
    .map(
      (item) =>
        `${sfString(item.quota)};used=${sfInteger(item.used)};limit=${sfInteger(item.limit)};overage=${sfInteger(item.overage)}`,
    )
    .join(', ');
}

/**
 * Retry-After in seconds for a refused consumption: the latest of the violated policies'
 * `t`, so it is never earlier than any of them; at least 1.
 */
export function retryAfterSeconds(consumption: Consumption): number {
  let seconds = 1;
  for (const item of consumption.items) {
    if (item.fits) continue;
    seconds = Math.max(seconds, resetSeconds(item, consumption.at) ?? 1);
  }
  return seconds;
}

/** All headers of a governed response, lower-case names. */
export function quotaHeaders(
  consumption: Consumption,
  options: { now?: number; partitionKey?: string } = {},
): Record<string, string> {
  const now = options.now ?? consumption.at;
  const headers: Record<string, string> = {
    'ratelimit-policy': formatPolicy(consumption.items, options.partitionKey),
    ratelimit: formatRateLimit(consumption.items, now, options.partitionKey),
  };
  const warning = formatWarning(consumption.items);
  if (warning !== '') headers['quota-warning'] = warning;
  if (!consumption.admitted) headers['retry-after'] = String(retryAfterSeconds(consumption));
  return headers;
}
