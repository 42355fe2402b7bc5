import { Counter, type Registry } from 'prom-client';

/** The capability's counters. */
export interface IdempotencyMetrics {
  /** Keys taken; result "claimed", or "recovered" after a lease ran out. */
  claims: Counter<'route' | 'result'>;
  /** Stored responses replayed. */
  replays: Counter<'route'>;
  /** 409/422 answers; reason "in_flight", "mismatch" or "lease_lost". */
  conflicts: Counter<'route' | 'reason'>;
  /** 400 answers for the key header; reason "missing" or "invalid". */
  rejections: Counter<'route' | 'reason'>;
  /** Store calls that failed; operation "claim", "complete", "release", "sweep". */
  storeErrors: Counter<'operation'>;
}

/**
 * Creates the counters in `registry`, or reuses the ones already there (two plugins on one
 * registry share them). Without a registry the counters exist but are not exported.
 */
export function idempotencyMetrics(registry?: Registry): IdempotencyMetrics {
  const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> => {
    const existing = registry?.getSingleMetric(name);
    if (existing instanceof Counter) return existing as Counter<L>;
    return new Counter({ name, help, labelNames, registers: registry ? [registry] : [] });
  };
  return {
    claims: counter('breakwater_idempotency_claims_total', 'Idempotency keys claimed', [
      'route',
      'result',
    ]),
    replays: counter('breakwater_idempotency_replays_total', 'Stored responses replayed', [
      'route',
    ]),
    conflicts: counter(
      'breakwater_idempotency_conflicts_total',
      'Requests refused with 409 or 422 because of their Idempotency-Key',
      ['route', 'reason'],
    ),
    rejections: counter(
      'breakwater_idempotency_key_rejections_total',
      'Requests refused with 400 because of a missing or malformed Idempotency-Key',
      ['route', 'reason'],
    ),
    storeErrors: counter(
      'breakwater_idempotency_store_errors_total',
      'Idempotency store operations that failed',
      ['operation'],
    ),
  };
}
