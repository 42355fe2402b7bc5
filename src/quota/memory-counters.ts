import { type CounterState, EMPTY_STATE, roll } from './algorithm.js';
import { BoundedMap, type Marked, MarkedMap } from './bounded-map.js';
import { type ConsumedQuota, calendarConsumed, consumedQuota } from './consumption.js';
import { addHistory, decide, judge, loaded, refundState, usedAfter } from './decide.js';
import { ALGORITHM } from './definition.js';
import type { DailyUsage } from './records.js';
import type { ConsumeOutcome, ItemOutcome, PeekItem, QuotaItem, RefundItem } from './store.js';

/**
 * A key's counter state (the slot's own fields, updated in place: a step allocates no new
 * state, and a key costs one object besides its history row), the daily history row it
 * last added to, and its mark of recent use.
 */
interface Slot extends CounterState, Marked {
  row: HistoryRow | undefined;
  /** The `ownWindow` of the item `row` was found for: an item with the same one has that row. */
  rowWindow: object | undefined;
}

export type HistoryRow = DailyUsage & { organization: string };

/** Moves a slot's counters (in place: the slot is the key's one object). */
function setState(slot: Slot, start: number, used: number, prev: number): void {
  slot.start = start;
  slot.used = used;
  slot.prev = prev;
}

export const copyState = (state: CounterState): CounterState => ({
  start: state.start,
  used: state.used,
  prev: state.prev,
});

const keyOf = (quota: string, subject: string): string => `${quota}\u0000${subject}`;
const rowKey = (organization: string, day: string, quota: string): string =>
  `${organization}\u0000${day}\u0000${quota}`;

/**
 * The counters, leases, limits and daily history of the memory store, and its steps. A
 * class, not closures: V8 checks a method call once by the receiver's shape, where a call
 * through a closure's variable checks the target every time (the step is the hot path of a
 * quota check).
 */
export class MemoryCounters {
  /** One map per quota, keyed by subject: a step looks its key up without building one. */
  readonly #states = new Map<string, MarkedMap<Slot>>();
  /** The map of the quota last stepped: a run of steps on one quota skips the lookup. */
  #lastQuota = '';
  #lastStates: MarkedMap<Slot> | undefined;
  readonly #leases: BoundedMap<Map<string, number>>;
  readonly history: BoundedMap<HistoryRow>;
  /** Organization -> quota -> limit. */
  readonly overrides = new Map<string, Map<string, number>>();

  constructor(
    readonly maxKeys: number,
    readonly keepHistory: boolean,
  ) {
    this.#leases = new BoundedMap(maxKeys);
    this.history = new BoundedMap(maxKeys);
  }

  #statesOf(quota: string): MarkedMap<Slot> {
    if (quota === this.#lastQuota && this.#lastStates !== undefined) return this.#lastStates;
    let map = this.#states.get(quota);
    if (map === undefined) {
      map = new MarkedMap<Slot>(this.maxKeys);
      this.#states.set(quota, map);
    }
    this.#lastQuota = quota;
    this.#lastStates = map;
    return map;
  }

  #slotOf(item: QuotaItem): Slot {
    const map = this.#statesOf(item.quota.name);
    let slot = map.get(item.subject);
    if (slot === undefined) {
      slot = { start: 0, used: 0, prev: 0, row: undefined, rowWindow: undefined, recent: false };
      map.set(item.subject, slot);
    }
    return slot;
  }

  /** The limit in force: the one the caller knows, else the override, else the quota's. */
  #limitOf(item: {
    organization: string;
    quota: { name: string; limit: number };
    limit?: number | undefined;
  }): number {
    if (item.limit !== undefined) return item.limit;
    return this.overrides.size === 0
      ? item.quota.limit
      : (this.overrides.get(item.organization)?.get(item.quota.name) ?? item.quota.limit);
  }

  #liveLeases(key: string, now: number): Map<string, number> {
    let held = this.#leases.get(key);
    if (held === undefined) {
      held = new Map();
      this.#leases.set(key, held);
    }
    for (const [id, expiresAt] of held) if (expiresAt <= now) held.delete(id);
    return held;
  }

  /**
   * The item's history row for its day; the slot remembers it, saving the lookup. An item
   * with the `ownWindow` the row was found for needs no comparison of day and organization.
   */
  #rowOf(item: QuotaItem, slot: Slot | undefined): HistoryRow {
    const cached = slot?.row;
    if (cached === undefined) return this.#attachRow(item, slot);
    if (item.ownWindow !== undefined && slot?.rowWindow === item.ownWindow) return cached;
    if (cached.day !== item.day || cached.organization !== item.organization) {
      return this.#attachRow(item, slot);
    }
    // the right row, reached without the window object it remembers: remember this one
    if (slot !== undefined) slot.rowWindow = item.ownWindow;
    return cached;
  }

  #attachRow(item: QuotaItem, slot: Slot | undefined): HistoryRow {
    const key = rowKey(item.organization, item.day, item.quota.name);
    let row = this.history.get(key);
    if (row === undefined) {
      row = {
        organization: item.organization,
        day: item.day,
        quota: item.quota.name,
        used: 0,
        refused: 0,
        overage: 0,
      };
      this.history.set(key, row);
    }
    if (slot !== undefined) {
      slot.row = row;
      slot.rowWindow = item.ownWindow;
    }
    return row;
  }

  /**
   * A one-item step on a counter or gauge, answered as the caller sees it: `decide`'s rules
   * for one item (`judge`), without arrays (the hot path of a single-quota check); the slot
   * takes the consumed state in place.
   */
  consumeOne(item: QuotaItem, now: number): ConsumedQuota {
    const quota = item.quota;
    if (quota.code === ALGORITHM.concurrency) {
      return consumedQuota(item, this.consumeNow([item], now).items[0] as ItemOutcome, now);
    }
    const slot = this.#slotOf(item);
    const limit = this.#limitOf(item);
    if (quota.code === ALGORITHM.calendar && item.mode === 'add') {
      return this.#consumeCalendar(item, slot, limit);
    }
    const outcome = loaded(slot, limit);
    if (judge(item, outcome, now)) {
      const rolled = outcome.state;
      setState(slot, rolled.start, usedAfter(item, rolled), rolled.prev);
      outcome.state = slot;
    }
    const { before, fits } = outcome;
    if (this.keepHistory) addHistory(this.#rowOf(item, slot), item, before, limit, fits, fits);
    return consumedQuota(item, outcome, now);
  }

  /**
   * `consumeOne` for a calendar window adding units (the common check), the rules of `roll`,
   * `itemFits`, `decide` and `consumedQuota` written out for that one case: the slot's state
   * moves to the current window in place, and takes the weight when it fits.
   */
  #consumeCalendar(item: QuotaItem, slot: Slot, limit: number): ConsumedQuota {
    if (slot.start < item.windowStart) {
      slot.start = item.windowStart;
      slot.used = 0;
      slot.prev = 0;
    }
    const before = slot.used;
    const weight = item.weight;
    const fits =
      item.quota.enforcement === 'soft' || weight <= 0 || before + weight <= limit + 1e-9;
    if (fits) slot.used = before + weight;
    if (this.keepHistory) addHistory(this.#rowOf(item, slot), item, before, limit, fits, fits);
    return calendarConsumed(item, limit, slot, fits);
  }

  /** One synchronous critical section: the whole step runs without yielding. */
  consumeNow(items: QuotaItem[], now: number): ConsumeOutcome {
    const slots: Array<Slot | undefined> = new Array(items.length);
    const found: ItemOutcome[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as QuotaItem;
      if (item.quota.code === ALGORITHM.concurrency) {
        const held = this.#liveLeases(keyOf(item.quota.name, item.subject), now).size;
        found[i] = loaded({ start: 0, used: held, prev: 0 }, this.#limitOf(item));
      } else {
        const slot = this.#slotOf(item);
        slots[i] = slot;
        // the slot itself as the state: decide never writes into it (an admitted step gets
        // a new state, copied into the slot below)
        found[i] = loaded(slot, this.#limitOf(item));
      }
    }
    const admitted = decide(items, found, now);
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as QuotaItem;
      const result = found[i] as ItemOutcome;
      const slot = slots[i];
      if (admitted) {
        if (slot !== undefined) {
          setState(slot, result.state.start, result.state.used, result.state.prev);
        } else
          this.#liveLeases(keyOf(item.quota.name, item.subject), now).set(
            item.leaseId ?? '',
            item.leaseExpiresAt ?? now,
          );
      }
      if (this.keepHistory && (admitted || !result.fits)) {
        const row = this.#rowOf(item, slot);
        addHistory(row, item, result.before, result.limit, result.fits, admitted);
      }
    }
    return { admitted, items: found };
  }

  /** Gives back what items consumed (a lease is released) and deducts it from their history. */
  refund(items: RefundItem[], now: number): void {
    for (const item of items) {
      if (item.quota.code === ALGORITHM.concurrency) {
        this.#leases.get(keyOf(item.quota.name, item.subject))?.delete(item.leaseId ?? '');
      } else {
        const slot = this.#states.get(item.quota.name)?.get(item.subject);
        if (slot !== undefined) {
          const refunded = refundState(item, slot, now);
          setState(slot, refunded.start, refunded.used, refunded.prev);
        }
      }
      const row = this.history.get(rowKey(item.organization, item.day, item.quota.name));
      if (row !== undefined) row.used = Math.max(0, row.used - item.weight);
    }
  }

  /** Each item's usage now (a copy: the slots' own state never leaves). */
  peek(items: PeekItem[], now: number): ItemOutcome[] {
    return items.map((item) => {
      const limit = this.#limitOf(item);
      const stored =
        item.quota.code === ALGORITHM.concurrency
          ? {
              start: 0,
              used: this.#liveLeases(keyOf(item.quota.name, item.subject), now).size,
              prev: 0,
            }
          : (this.#states.get(item.quota.name)?.get(item.subject) ?? EMPTY_STATE);
      const state = copyState(roll(item.quota, stored, limit, now, item.windowStart));
      return { limit, state, before: state.used, fits: true };
    });
  }

  /** Sets (or with undefined removes) an organization's limit for one quota. */
  setOverride(organization: string, quota: string, limit: number | undefined): void {
    const mine = this.overrides.get(organization) ?? new Map<string, number>();
    if (limit === undefined) mine.delete(quota);
    else mine.set(quota, limit);
    this.overrides.set(organization, mine);
  }
}
