import { copyState, MemoryCounters } from './memory-counters.js';
import { decided, type IncreaseRequest, pendingRequest } from './records.js';
import type { QuotaStore } from './store.js';

export interface MemoryQuotaStoreOptions {
  /** Most keys kept per quota; the least recently used goes first. Default 100,000. */
  maxKeys?: number;
  /** Keep daily history; default true (the fail-open fallback turns it off). */
  history?: boolean;
}

export const DEFAULT_MEMORY_MAX_KEYS = 100_000;

/**
 * Quotas in this process's memory: one synchronous critical section per step, so exact in
 * one process and in no other. Bounded: past `maxKeys` the least recently used key is
 * dropped (its usage forgotten). Also the fail-open fallback of the other stores.
 */
export function memoryQuotaStore(options: MemoryQuotaStoreOptions = {}): QuotaStore {
  const counters = new MemoryCounters(
    options.maxKeys ?? DEFAULT_MEMORY_MAX_KEYS,
    options.history !== false,
  );
  const { overrides, history } = counters;
  const requests = new Map<string, IncreaseRequest>();

  return {
    kind: 'memory',
    // the slots' own state objects never leave through the asynchronous API
    consume: async (items, now) => {
      const outcome = counters.consumeNow(items, now);
      for (const item of outcome.items) item.state = copyState(item.state);
      return outcome;
    },
    consumeNow: (items, now) => counters.consumeNow(items, now),
    consumeOneNow: (item, now) => counters.consumeOne(item, now),
    refund: async (items, now) => counters.refund(items, now),
    peek: async (items, now) => counters.peek(items, now),
    overrides: async (organization) => Object.fromEntries(overrides.get(organization) ?? []),
    setOverride: async (organization, quota, limit) =>
      counters.setOverride(organization, quota, limit),
    createRequest: async (input) => {
      const request = pendingRequest(input);
      requests.set(request.id, request);
      return { ...request };
    },
    getRequest: async (id) => {
      const request = requests.get(id);
      return request && { ...request };
    },
    listRequests: async (filter) =>
      [...requests.values()]
        .filter((r) => filter.status === undefined || r.status === filter.status)
        .filter((r) => filter.organization === undefined || r.organization === filter.organization)
        .sort((a, b) => b.requestedAt.localeCompare(a.requestedAt))
        .slice(0, filter.limit ?? 100)
        .map((r) => ({ ...r })),
    decideRequest: async (decision) => {
      const request = requests.get(decision.id);
      if (request === undefined) return undefined;
      if (request.status !== 'pending') return { ...request };
      const next = decided(request, decision);
      requests.set(next.id, next);
      if (next.grantedLimit !== null) {
        counters.setOverride(next.organization, next.quota, next.grantedLimit);
      }
      return { ...next };
    },
    history: async (organization, from, to) =>
      [...history.entries()]
        .map(([, row]) => row)
        .filter((row) => row.organization === organization && row.day >= from && row.day <= to)
        .map(({ day, quota, used, refused, overage }) => ({ day, quota, used, refused, overage }))
        .sort((a, b) => a.day.localeCompare(b.day) || a.quota.localeCompare(b.quota)),
  };
}
