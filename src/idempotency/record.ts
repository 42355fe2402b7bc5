import type { ClaimResult, StoredResponse } from './store.js';

/** A key's stored state as the SQL stores read it back. */
export interface KeyRecord {
  state: 'in_flight' | 'completed';
  fingerprint: string;
  /** Lease expiry while in flight, record expiry (TTL) once completed. */
  expiresAt: number;
  response: StoredResponse | undefined;
}

/** A row of breakwater_idempotency_keys with the columns the stores select. */
export interface KeyRow {
  state: string;
  fingerprint: string;
  expires_at: number | string;
  status: number | null;
  headers: string | null;
  body: Buffer | Uint8Array | null;
}

export function toRecord(row: KeyRow | undefined): KeyRecord | undefined {
  if (row === undefined) return undefined;
  const completed = row.state === 'completed';
  return {
    state: completed ? 'completed' : 'in_flight',
    fingerprint: row.fingerprint,
    expiresAt: Number(row.expires_at),
    response: completed
      ? {
          status: Number(row.status),
          headers: JSON.parse(row.headers ?? '{}') as Record<string, string>,
          body: Buffer.from(row.body ?? Buffer.alloc(0)),
        }
      : undefined,
  };
}

/**
 * What an existing record means at `now`: who holds the key, or undefined when it is free
 * to claim (absent, past its TTL, or a lease that ran out).
 */
export function holder(
  record: KeyRecord | undefined,
  now: number,
): Exclude<ClaimResult, { kind: 'claimed' }> | undefined {
  if (record === undefined || record.expiresAt <= now) return undefined;
  if (record.state === 'completed' && record.response !== undefined) {
    return { kind: 'completed', fingerprint: record.fingerprint, response: record.response };
  }
  return { kind: 'in-flight', fingerprint: record.fingerprint, leaseExpiresAt: record.expiresAt };
}

/** Thrown inside a store transaction to roll it back when the claim token lost the key. */
export class LeaseLost extends Error {
  constructor() {
    super('the claim token no longer holds the key');
  }
}

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
