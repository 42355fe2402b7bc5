import type { IncreaseRequest } from './records.js';

interface UsageEventBase {
  organization: string;
  subject: string;
  quota: string;
  used: number;
  limit: number;
  /** Epoch ms from the quotas' clock. */
  at: number;
}

/** What the quotas tell listeners: thresholds, overage, refusals, store health, requests. */
export type QuotaEvent =
  /** Usage crossed the quota's warning threshold (default 90 %) with this consumption. */
  | ({ type: 'warning'; threshold: number } & UsageEventBase)
  /** A soft quota was consumed beyond its limit. */
  | ({ type: 'overage'; overage: number } & UsageEventBase)
  /** A hard quota refused a request. */
  | ({ type: 'exceeded'; weight: number } & UsageEventBase)
  /** The store failed; `failOpen` tells whether the fallback decided. */
  | { type: 'store-unavailable'; error: string; failOpen: boolean; at: number }
  /** The store answered again after a failure. */
  | { type: 'store-recovered'; at: number }
  /** Buffered daily history rows could not be written and were dropped (the buffer was full). */
  | { type: 'history-dropped'; rows: number; error: string; at: number }
  | { type: 'request-filed' | 'request-approved' | 'request-rejected'; request: IncreaseRequest };

export type QuotaListener = (event: QuotaEvent) => void;

/** A plain listener list (no EventEmitter): a throwing listener never breaks a decision. */
export class Listeners {
  readonly #listeners = new Set<QuotaListener>();

  /** Adds a listener; returns the function that removes it. */
  add(listener: QuotaListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get size(): number {
    return this.#listeners.size;
  }

  emit(event: QuotaEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // a listener's failure is its own
      }
    }
  }
}
