import type { Registry } from 'prom-client';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { IdempotencyStore } from './store.js';

export const DEFAULT_LEASE_MS = 60_000;
export const DEFAULT_TTL_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_WAIT_MS = 0;
export const DEFAULT_METHODS: readonly string[] = ['POST', 'PATCH'];
export const DEFAULT_STORED_HEADERS: readonly string[] = ['content-type', 'location'];
/** 5xx responses are not stored: the key is released and a retry runs again. */
export const DEFAULT_STORE_STATUS = (status: number): boolean => status < 500;

/** Per-route behaviour; every field falls back to the capability-wide option, then the default. */
export interface RouteIdempotencyOptions {
  /** Answer 400 BW_IDEMPOTENCY_KEY_MISSING when the header is absent; default false. */
  required?: boolean;
  /** Methods the key applies to; default POST and PATCH. */
  methods?: readonly string[];
  /** How long a claim holds the key before another request may take it over; default 60 s. */
  leaseMs?: number;
  /** How long a completed response is replayed; default 24 h. */
  ttlMs?: number;
  /** Wait up to this long (polling with backoff) for an in-flight first request; default 0. */
  waitMs?: number;
  /** Response headers stored for replay besides content-type and location. */
  headers?: readonly string[];
  /** Which statuses are stored; default: everything below 500. */
  storeStatus?: (status: number) => boolean;
  /** When the store fails: false (default) answers 503, true runs the handler unprotected. */
  failOpen?: boolean;
}

export interface IdempotencyOptions extends RouteIdempotencyOptions {
  store: IdempotencyStore;
  /** Epoch milliseconds; default Date.now. Every persisted time comes from here. */
  now?: () => number;
  /** prom-client registry for the capability's counters; none: counters stay unregistered. */
  registry?: Registry;
}

/** Route options with every default filled in and checked. */
export interface ResolvedRouteOptions {
  required: boolean;
  methods: ReadonlySet<string>;
  leaseMs: number;
  ttlMs: number;
  waitMs: number;
  headers: readonly string[];
  storeStatus: (status: number) => boolean;
  failOpen: boolean;
}

/** Fills in defaults (route over capability-wide over DEFAULT_*) and validates once. */
export function resolveRouteOptions(
  base: RouteIdempotencyOptions,
  route: RouteIdempotencyOptions = {},
): ResolvedRouteOptions {
  const resolved: ResolvedRouteOptions = {
    required: route.required ?? base.required ?? false,
    methods: new Set((route.methods ?? base.methods ?? DEFAULT_METHODS).map(upper)),
    leaseMs: route.leaseMs ?? base.leaseMs ?? DEFAULT_LEASE_MS,
    ttlMs: route.ttlMs ?? base.ttlMs ?? DEFAULT_TTL_MS,
    waitMs: route.waitMs ?? base.waitMs ?? DEFAULT_WAIT_MS,
    headers: [
      ...new Set(
        [...DEFAULT_STORED_HEADERS, ...(base.headers ?? []), ...(route.headers ?? [])].map(lower),
      ),
    ],
    storeStatus: route.storeStatus ?? base.storeStatus ?? DEFAULT_STORE_STATUS,
    failOpen: route.failOpen ?? base.failOpen ?? false,
  };
  positive('leaseMs', resolved.leaseMs);
  positive('ttlMs', resolved.ttlMs);
  if (!Number.isFinite(resolved.waitMs) || resolved.waitMs < 0) invalid('waitMs must be >= 0');
  if (resolved.methods.size === 0) invalid('methods must name at least one HTTP method');
  return resolved;
}

const upper = (method: string): string => method.toUpperCase();
const lower = (name: string): string => name.toLowerCase();

function positive(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) invalid(`${name} must be a positive integer (ms)`);
}

function invalid(detail: string): never {
  throw new BreakwaterError(errors.CONFIG_INVALID, `idempotency: ${detail}`);
}
