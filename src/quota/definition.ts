import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';

/** A windowed counter, an absolute gauge, or a limit on requests in flight. */
export type QuotaKind = 'counter' | 'gauge' | 'concurrency';
/** Hard: over the limit is refused (429). Soft: allowed, recorded as overage, warned about. */
export type Enforcement = 'hard' | 'soft';
/** When the store fails: `open` decides from a bounded in-memory fallback, `closed` answers 503. */
export type StoreFailure = 'open' | 'closed';
/** How a rolling window counts: two-bucket weighted approximation, or a token bucket. */
export type RollingAlgorithm = 'sliding' | 'token-bucket';
/** Calendar windows (`day`, `month`) reset at local midnight; the others roll. */
export type QuotaWindow = 'day' | 'month' | 'hour' | 'minute' | number;

/** One quota as the application declares it. */
export interface QuotaDefinition {
  /** Stable name, also the policy name in RateLimit headers: letters, digits, `_ . -`. */
  name: string;
  /** Units per window (counters), highest value (gauges) or requests in flight (concurrency). */
  limit: number;
  /** Default `counter`. */
  kind?: QuotaKind;
  /** Counters only: `day`, `month`, `hour`, `minute` or a rolling window in seconds. */
  window?: QuotaWindow;
  /** Rolling windows only; default `sliding`. */
  algorithm?: RollingAlgorithm;
  /** Token bucket capacity (the burst allowance); default the limit. */
  burst?: number;
  /** IANA zone whose midnight resets calendar windows; default `UTC`. */
  timeZone?: string;
  /** Whose usage is counted: the organization (default) or each user. */
  per?: 'organization' | 'user';
  /** Default `hard`. */
  enforcement?: Enforcement;
  /** Fraction of the limit at which a warning event fires; default 0.9. */
  warnAt?: number;
  /** Default `open`. */
  onStoreFailure?: StoreFailure;
  /** The `qu` unit in RateLimit-Policy; default `requests` (not sent). */
  unit?: string;
  /** Concurrency only: how long a slot is held before a crashed holder's lease expires. */
  leaseMs?: number;
}

export const DEFAULT_WARN_AT = 0.9;
export const DEFAULT_STORE_FAILURE: StoreFailure = 'open';
export const DEFAULT_LEASE_MS = 60_000;
export const DEFAULT_ALGORITHM: RollingAlgorithm = 'sliding';
export const DEFAULT_TIME_ZONE = 'UTC';

/** The algorithm codes the stores (and the Redis script) switch on. */
export const ALGORITHM = {
  calendar: 1,
  sliding: 2,
  tokenBucket: 3,
  gauge: 4,
  concurrency: 5,
} as const;
export type AlgorithmCode = (typeof ALGORITHM)[keyof typeof ALGORITHM];

/** A definition with every default filled in and checked. */
export interface Quota {
  readonly name: string;
  readonly limit: number;
  readonly kind: QuotaKind;
  readonly code: AlgorithmCode;
  /** Calendar unit, for calendar windows. */
  readonly calendar: 'day' | 'month' | undefined;
  readonly timeZone: string;
  /** Rolling window length (sliding, token bucket) in ms; 0 otherwise. */
  readonly windowMs: number;
  /** Token bucket capacity; undefined: the (possibly overridden) limit. */
  readonly burst: number | undefined;
  readonly per: 'organization' | 'user';
  readonly enforcement: Enforcement;
  readonly warnAt: number;
  readonly onStoreFailure: StoreFailure;
  readonly unit: string | undefined;
  readonly leaseMs: number;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const ROLLING: Record<string, number> = { hour: 3_600_000, minute: 60_000 };

function invalid(name: string, why: string): never {
  throw new BreakwaterError(errors.CONFIG_INVALID, `quota "${name}": ${why}`);
}

/** Checks a definition once and fills in its defaults. */
export function resolveQuota(definition: QuotaDefinition): Quota {
  const name = definition.name;
  if (typeof name !== 'string' || !NAME.test(name)) {
    invalid(String(name), `name must match ${NAME.source}`);
  }
  const kind = definition.kind ?? 'counter';
  if (!['counter', 'gauge', 'concurrency'].includes(kind)) invalid(name, `unknown kind "${kind}"`);
  if (!Number.isFinite(definition.limit) || definition.limit < 0) {
    invalid(name, 'limit must be a finite number >= 0');
  }
  const warnAt = definition.warnAt ?? DEFAULT_WARN_AT;
  if (!(warnAt > 0 && warnAt <= 1)) invalid(name, 'warnAt must be in (0, 1]');
  const timeZone = definition.timeZone ?? DEFAULT_TIME_ZONE;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    invalid(name, `unknown time zone "${timeZone}"`);
  }
  const leaseMs = definition.leaseMs ?? DEFAULT_LEASE_MS;
  if (!Number.isInteger(leaseMs) || leaseMs <= 0)
    invalid(name, 'leaseMs must be a positive integer');
  if (definition.burst !== undefined && !(definition.burst > 0)) invalid(name, 'burst must be > 0');

  let code: AlgorithmCode = kind === 'gauge' ? ALGORITHM.gauge : ALGORITHM.concurrency;
  let calendar: 'day' | 'month' | undefined;
  let windowMs = 0;
  if (kind === 'counter') {
    const window = definition.window;
    if (window === 'day' || window === 'month') {
      code = ALGORITHM.calendar;
      calendar = window;
    } else {
      windowMs = typeof window === 'number' ? window * 1000 : (ROLLING[window ?? ''] ?? 0);
      if (!Number.isInteger(windowMs) || windowMs < 1000) {
        invalid(name, 'window must be day, month, hour, minute or whole seconds >= 1');
      }
      const algorithm = definition.algorithm ?? DEFAULT_ALGORITHM;
      if (algorithm !== 'sliding' && algorithm !== 'token-bucket') {
        invalid(name, `unknown algorithm "${algorithm}"`);
      }
      code = algorithm === 'sliding' ? ALGORITHM.sliding : ALGORITHM.tokenBucket;
    }
  } else if (definition.window !== undefined) {
    invalid(name, `a ${kind} has no window`);
  }
  if (definition.burst !== undefined && code !== ALGORITHM.tokenBucket) {
    invalid(name, 'burst applies to token buckets only');
  }
  return Object.freeze({
    name,
    limit: definition.limit,
    kind,
    code,
    calendar,
    timeZone,
    windowMs,
    burst: definition.burst,
    per: definition.per ?? 'organization',
    enforcement: definition.enforcement ?? 'hard',
    warnAt,
    onStoreFailure: definition.onStoreFailure ?? DEFAULT_STORE_FAILURE,
    unit: definition.unit ?? (kind === 'concurrency' ? 'concurrent-requests' : undefined),
    leaseMs,
  });
}

/** Resolves a list of definitions into a map by name; duplicate names are refused. */
export function resolveQuotas(definitions: readonly QuotaDefinition[]): Map<string, Quota> {
  const map = new Map<string, Quota>();
  for (const definition of definitions) {
    const quota = resolveQuota(definition);
    if (map.has(quota.name)) invalid(quota.name, 'defined twice');
    map.set(quota.name, quota);
  }
  return map;
}
