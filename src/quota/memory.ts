import { type CounterState, EMPTY_STATE, roll, usageOf } from './algorithm.js';
import { BoundedMap } from './bounded-map.js';
import { addHistory, decide, itemFits, loaded, refundState } from './decide.js';
import { ALGORITHM } from './definition.js';
import { type DailyUsage, decided, type IncreaseRequest, pendingRequest } from './records.js';
import type { ConsumeOutcome, ItemOutcome, QuotaItem, QuotaStore } from './store.js';

export interface MemoryQuotaStoreOptions {
  /** Most keys kept per quota; the least recently used goes first. Default 100,000. */
  maxKeys?: number;
  /** Keep daily history; default true (the fail-open fallback turns it off). */
  history?: boolean;
}

export const DEFAULT_MEMORY_MAX_KEYS = 100_000;

/**
 * A key's state (an object of the slot's own, updated in place: a step allocates no new
 * state), and the daily history row it last added to.
 */
interface Slot {
  state: CounterState;
  row: HistoryRow | undefined;
}

const copy = (state: CounterState): CounterState => ({
  start: state.start,
  used: state.used,
  prev: state.prev,
});

type HistoryRow = DailyUsage & { organization: string };

const keyOf = (quota: string, subject: string): string => `${quota}\u0000${subject}`;

/**
 * Quotas in this process's memory: one synchronous critical section per step, so exact in
 * one process and in no other. Bounded: past `maxKeys` the least recently used key is
 * dropped (its usage forgotten). Also the fail-open fallback of the other stores.
 */
export function memoryQuotaStore(options: MemoryQuotaStoreOptions = {}): QuotaStore {
  const maxKeys = options.maxKeys ?? DEFAULT_MEMORY_MAX_KEYS;
  const keepHistory = options.history ?? true;
  // one map per quota, keyed by subject: a step looks its key up without building one
  const states = new Map<string, BoundedMap<Slot>>();
  const statesOf = (quota: string): BoundedMap<Slot> => {
    let map = states.get(quota);
    if (map === undefined) {
      map = new BoundedMap<Slot>(maxKeys);
      states.set(quota, map);
    }
    return map;
  };
  const leases = new BoundedMap<Map<string, number>>(maxKeys);
  const overrides = new Map<string, Map<string, number>>();
  const requests = new Map<string, IncreaseRequest>();
  const history = new BoundedMap<HistoryRow>(maxKeys);

  /** The limit in force: the one the caller knows, else the override, else the quota's. */
  const limitOf = (item: {
    organization: string;
    quota: { name: string; limit: number };
    limit?: number | undefined;
  }): number =>
    item.limit ??
    (overrides.size === 0 ? undefined : overrides.get(item.organization)?.get(item.quota.name)) ??
    item.quota.limit;

  function liveLeases(key: string, now: number): Map<string, number> {
    let held = leases.get(key);
    if (held === undefined) {
      held = new Map();
      leases.set(key, held);
    }
    for (const [id, expiresAt] of held) if (expiresAt <= now) held.delete(id);
    return held;
  }

  function slotOf(item: QuotaItem): Slot {
    const map = statesOf(item.quota.name);
    let slot = map.get(item.subject);
    if (slot === undefined) {
      slot = { state: { start: 0, used: 0, prev: 0 }, row: undefined };
      map.set(item.subject, slot);
    }
    return slot;
  }

  /** The item's history row for its day; the slot remembers it, saving the lookup. */
  function rowOf(item: QuotaItem, slot: Slot | undefined): HistoryRow {
    const cached = slot?.row;
    if (cached?.day === item.day && cached.organization === item.organization) return cached;
    const key = `${item.organization}\u0000${item.day}\u0000${item.quota.name}`;
    let row = history.get(key);
    if (row === undefined) {
      row = {
        organization: item.organization,
        day: item.day,
        quota: item.quota.name,
        used: 0,
        refused: 0,
        overage: 0,
      };
      history.set(key, row);
    }
    if (slot !== undefined) slot.row = row;
    return row;
  }

  /** consumeOneNow's answer: one object, rewritten by each call (read it before the next). */
  const one: ItemOutcome = { limit: 0, state: EMPTY_STATE, before: 0, fits: true };

  /** A one-item step on a counter or gauge: the same rules as `decide`, without arrays. */
  function consumeOne(item: QuotaItem, now: number): ItemOutcome {
    if (item.quota.code === ALGORITHM.concurrency) {
      return consumeNow([item], now).items[0] as ItemOutcome;
    }
    const slot = slotOf(item);
    const limit = limitOf(item);
    const rolled = roll(item.quota, slot.state, limit, now, item.windowStart);
    const result = one;
    result.limit = limit;
    result.state = rolled;
    result.before = usageOf(item.quota, rolled, now);
    result.fits = itemFits(item, rolled, limit, now);
    if (result.fits) {
      const used = item.mode === 'set' ? item.weight : rolled.used + item.weight;
      const state = slot.state;
      state.start = rolled.start;
      state.used = used;
      state.prev = rolled.prev;
      result.state = state;
    }
    if (keepHistory) addHistory(rowOf(item, slot), item, result, result.fits);
    return result;
  }

  /** One synchronous critical section: the whole step runs without yielding. */
  function consumeNow(items: QuotaItem[], now: number): ConsumeOutcome {
    const slots: Array<Slot | undefined> = new Array(items.length);
    const found: ItemOutcome[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as QuotaItem;
      if (item.quota.code === ALGORITHM.concurrency) {
        const held = liveLeases(keyOf(item.quota.name, item.subject), now).size;
        found[i] = loaded({ start: 0, used: held, prev: 0 }, limitOf(item));
      } else {
        const slot = slotOf(item);
        slots[i] = slot;
        found[i] = loaded(slot.state, limitOf(item));
      }
    }
    const admitted = decide(items, found, now);
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as QuotaItem;
      const result = found[i] as ItemOutcome;
      const slot = slots[i];
      if (admitted) {
        if (slot !== undefined) {
          slot.state.start = result.state.start;
          slot.state.used = result.state.used;
          slot.state.prev = result.state.prev;
        } else
          liveLeases(keyOf(item.quota.name, item.subject), now).set(
            item.leaseId ?? '',
            item.leaseExpiresAt ?? now,
          );
      }
      if (keepHistory && (admitted || !result.fits)) {
        addHistory(rowOf(item, slot), item, result, admitted);
      }
    }
    return { admitted, items: found };
  }

  return {
    kind: 'memory',
    // the slots' own state objects never leave through the asynchronous API
    consume: async (items, now) => {
      const outcome = consumeNow(items, now);
      for (const item of outcome.items) item.state = copy(item.state);
      return outcome;
    },
    consumeNow,
    consumeOneNow: consumeOne,
    refund: async (items, now) => {
      for (const item of items) {
        const key = keyOf(item.quota.name, item.subject);
        if (item.quota.code === ALGORITHM.concurrency) leases.get(key)?.delete(item.leaseId ?? '');
        else {
          const slot = states.get(item.quota.name)?.get(item.subject);
          if (slot !== undefined) slot.state = copy(refundState(item, slot.state, now));
        }
        const row = history.get(`${item.organization}\u0000${item.day}\u0000${item.quota.name}`);
        if (row !== undefined) row.used = Math.max(0, row.used - item.weight);
      }
    },
    peek: async (items, now) =>
      items.map((item) => {
        const key = keyOf(item.quota.name, item.subject);
        const limit = limitOf(item);
        const stored =
          item.quota.code === ALGORITHM.concurrency
            ? { start: 0, used: liveLeases(key, now).size, prev: 0 }
            : (states.get(item.quota.name)?.get(item.subject)?.state ?? EMPTY_STATE);
        const state = copy(roll(item.quota, stored, limit, now, item.windowStart));
        return { limit, state, before: state.used, fits: true };
      }),
    overrides: async (organization) => Object.fromEntries(overrides.get(organization) ?? []),
    setOverride: async (organization, quota, limit) => {
      const mine = overrides.get(organization) ?? new Map<string, number>();
      if (limit === undefined) mine.delete(quota);
      else mine.set(quota, limit);
      overrides.set(organization, mine);
    },
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
        const mine = overrides.get(next.organization) ?? new Map<string, number>();
        mine.set(next.quota, next.grantedLimit);
        overrides.set(next.organization, mine);
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
