import { type CounterState, fits, refunded, roll, usageOf } from './algorithm.js';
import { ALGORITHM } from './definition.js';
import type { ItemOutcome, QuotaItem, RefundItem } from './store.js';

/**
 * Whether one item has room in its rolled state, whose usage now is `before` (usageOf): a
 * decrease of a gauge always has.
 */
export function itemFits(
  item: QuotaItem,
  rolled: CounterState,
  limit: number,
  before: number,
): boolean {
  if (item.quota.enforcement === 'soft') return true;
  if (item.mode === 'set') return item.weight <= limit || item.weight <= rolled.used;
  if (item.weight <= 0) return true;
  return fits(item.quota, before, limit, item.weight);
}

/** The usage an item that fits leaves in its rolled state: its weight added, or a gauge set. */
export const usedAfter = (item: QuotaItem, rolled: CounterState): number =>
  item.mode === 'set' ? item.weight : rolled.used + item.weight;

/** The state after consuming an item that fits. */
const consumed = (item: QuotaItem, rolled: CounterState): CounterState => ({
  start: rolled.start,
  used: usedAfter(item, rolled),
  prev: rolled.prev,
});

/**
 * One item's part of a step: rolls its loaded outcome to `now` and completes it in place
 * (rolled state, usage before, fits). Returns `fits`.
 */
export function judge(item: QuotaItem, outcome: ItemOutcome, now: number): boolean {
  const rolled = roll(item.quota, outcome.state, outcome.limit, now, item.windowStart);
  outcome.state = rolled;
  outcome.before = usageOf(item.quota, rolled, now);
  outcome.fits = itemFits(item, rolled, outcome.limit, outcome.before);
  return outcome.fits;
}

/**
 * The whole decision of one consume step, for the stores that decide in JavaScript (memory
 * and SQL; Redis runs the same rules in Lua): admitted only when every hard item fits, and
 * then every item is consumed. `found[i]` holds the stored state and the limit in force of
 * `items[i]` as the store loaded them; each is completed in place (rolled or consumed state,
 * usage before, fits), so a step allocates one outcome per item. Returns `admitted`.
 */
export function decide(items: readonly QuotaItem[], found: ItemOutcome[], now: number): boolean {
  let admitted = true;
  for (let i = 0; i < items.length; i++) {
    if (!judge(items[i] as QuotaItem, found[i] as ItemOutcome, now)) admitted = false;
  }
  if (!admitted) return false;
  for (let i = 0; i < items.length; i++) {
    const outcome = found[i] as ItemOutcome;
    outcome.state = consumed(items[i] as QuotaItem, outcome.state);
  }
  return true;
}

/** A fresh outcome for `decide`: the state and limit a store loaded for one item. */
export const loaded = (state: CounterState, limit: number): ItemOutcome => ({
  limit,
  state,
  before: 0,
  fits: true,
});

/** The state a refund leaves (a token bucket drains to `now` first). */
export function refundState(item: RefundItem, state: CounterState, now: number): CounterState {
  const rolled =
    item.quota.code === ALGORITHM.tokenBucket
      ? roll(item.quota, state, item.limit, now, item.start)
      : state;
  return refunded(item.quota, rolled, item.weight, item.start);
}

/** A daily history row's counters: units used (refunds deducted), refused, over the limit. */
export interface HistoryCounts {
  used: number;
  refused: number;
  overage: number;
}

/**
 * Adds what one step did to an item's daily history row: consumption (and the overage it
 * added) when admitted, the refused units for an item that did not fit; nothing for an
 * item that fitted in a refused step. `before` is the item's usage before the step, `limit`
 * the limit in force, `fits` whether the item had room. Returns false when the row is
 * untouched.
 */
export function addHistory(
  row: HistoryCounts,
  item: QuotaItem,
  before: number,
  limit: number,
  fits: boolean,
  admitted: boolean,
): boolean {
  // the common step, apart so that it inlines: units added within the limit
  if (admitted && item.mode === 'add' && before + item.weight <= limit) {
    row.used += item.weight;
    return true;
  }
  return addHistoryRest(row, item, before, limit, fits, admitted);
}

/** `addHistory` for refusals, gauges set, and steps that reach past the limit. */
function addHistoryRest(
  row: HistoryCounts,
  item: QuotaItem,
  before: number,
  limit: number,
  fits: boolean,
  admitted: boolean,
): boolean {
  if (!admitted) {
    if (fits) return false;
    row.refused += item.weight;
    return true;
  }
  // what the step added: its weight (usage before + weight is usage after), or a gauge's jump
  const after = item.mode === 'set' ? item.weight : before + item.weight;
  row.used += after - before;
  const over = Math.max(0, after - limit) - Math.max(0, before - limit);
  if (over > 0) row.overage += over;
  return true;
}
