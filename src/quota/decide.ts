import { type CounterState, capacityOf, fits, refunded, roll, usageOf } from './algorithm.js';
import { ALGORITHM } from './definition.js';
import { historyDelta } from './records.js';
import type { ConsumeOutcome, ItemOutcome, QuotaItem, RefundItem } from './store.js';

/** An item with the state and limit a store loaded for it (inside its atomic step). */
export interface LoadedItem {
  item: QuotaItem;
  /** The stored state; for concurrency `used` = live leases. */
  state: CounterState;
  limit: number;
}

/** Whether one item has room: a decrease of a gauge always has. */
function itemFits(loaded: LoadedItem, rolled: CounterState, now: number): boolean {
  const { item, limit } = loaded;
  if (item.quota.enforcement === 'soft') return true;
  if (item.mode === 'set') return item.weight <= limit || item.weight <= rolled.used;
  if (item.weight <= 0) return true;
  return fits(item.quota, rolled, limit, item.weight, now);
}

function applied(item: QuotaItem, rolled: CounterState): CounterState {
  const used = item.mode === 'set' ? item.weight : rolled.used + item.weight;
  return { start: rolled.start, used, prev: rolled.prev };
}

/**
 * The whole decision of one consume step, for the stores that decide in JavaScript (memory
 * and SQL; Redis runs the same rules in Lua): admitted only when every hard item fits,
 * and then every item is consumed. Pure: the caller writes the returned states.
 */
export function decide(loaded: LoadedItem[], now: number): ConsumeOutcome {
  let admitted = true;
  const items: ItemOutcome[] = loaded.map((entry) => {
    const { item, limit } = entry;
    const rolled = roll(item.quota, entry.state, limit, now, item.windowStart);
    const ok = itemFits(entry, rolled, now);
    if (!ok) admitted = false;
    return { limit, state: rolled, before: usageOf(item.quota, rolled, now), fits: ok };
  });
  if (admitted) {
    items.forEach((outcome, i) => {
      outcome.state = applied((loaded[i] as LoadedItem).item, outcome.state);
    });
  }
  return { admitted, items };
}

/** The state a refund leaves (a token bucket drains to `now` first). */
export function refundState(item: RefundItem, state: CounterState, now: number): CounterState {
  const rolled =
    item.quota.code === ALGORITHM.tokenBucket
      ? roll(item.quota, state, item.limit, now, item.start)
      : state;
  return refunded(item.quota, rolled, item.weight, item.start);
}

/**
 * What one step adds to the item's daily history row: consumption when admitted, the
 * refused units for an item that did not fit; undefined when the row is untouched.
 */
export function historyOf(
  item: QuotaItem,
  result: ItemOutcome,
  admitted: boolean,
  now: number,
): { used: number; refused: number; overage: number } | undefined {
  if (!admitted && result.fits) return undefined;
  const after = admitted ? usageOf(item.quota, result.state, now) : result.before;
  return historyDelta(admitted, item.weight, result.before, after, result.limit);
}

/** Over-capacity usage above the limit (soft enforcement), for reports. */
export function overageOf(loaded: ItemOutcome, item: QuotaItem, now: number): number {
  return Math.max(0, usageOf(item.quota, loaded.state, now) - capacityOf(item.quota, loaded.limit));
}
