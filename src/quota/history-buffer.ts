import { addHistory, type HistoryCounts } from './decide.js';
import type { HistoryDelta, ItemOutcome, QuotaItem, QuotaStore, RefundItem } from './store.js';

/** How often buffered daily history is written to the store; default 1 s. */
export const DEFAULT_HISTORY_FLUSH_MS = 1_000;
/** Most history rows held while the store does not take them; the oldest batch goes first. */
export const DEFAULT_HISTORY_MAX_ROWS = 100_000;

export interface HistoryBufferOptions {
  store: QuotaStore & Required<Pick<QuotaStore, 'addHistory'>>;
  flushMs: number;
  maxRows: number;
  /** Told when rows could not be written and were dropped to stay within `maxRows`. */
  onLost(rows: number, error: unknown): void;
}

type Row = HistoryDelta & HistoryCounts;

/**
 * Daily history added up in this process and written to the store in batches: every
 * `flushMs` while there is something to write, before a history read, and on `close()`.
 * A step costs three map lookups and three additions instead of a write. What a crash of
 * the process loses is the history of its last `flushMs` (never counts or limits, which
 * each step writes itself). A failed write keeps its rows for the next flush.
 */
export class HistoryBuffer {
  /** day -> organization -> quota -> row: each key is a string the step already holds. */
  #rows = new Map<string, Map<string, Map<string, Row>>>();
  #size = 0;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  readonly #options: HistoryBufferOptions;

  constructor(options: HistoryBufferOptions) {
    this.#options = options;
  }

  /** Rows waiting to be written. */
  get size(): number {
    return this.#size;
  }

  #row(organization: string, day: string, quota: string): Row {
    let orgs = this.#rows.get(day);
    if (orgs === undefined) {
      orgs = new Map();
      this.#rows.set(day, orgs);
    }
    let quotas = orgs.get(organization);
    if (quotas === undefined) {
      quotas = new Map();
      orgs.set(organization, quotas);
    }
    let row = quotas.get(quota);
    if (row === undefined) {
      row = { organization, day, quota, used: 0, refused: 0, overage: 0 };
      quotas.set(quota, row);
      if (++this.#size >= this.#options.maxRows && this.#flushing === undefined) {
        this.flush().catch(() => {});
      } else this.#schedule();
    }
    return row;
  }

  /** Adds what one consume step did to each item's row. */
  consumed(items: QuotaItem[], outcomes: ItemOutcome[], admitted: boolean): void {
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as QuotaItem;
      const outcome = outcomes[i] as ItemOutcome;
      if (!admitted && outcome.fits) continue;
      const row = this.#row(item.organization, item.day, item.quota.name);
      addHistory(row, item, outcome.before, outcome.limit, outcome.fits, admitted);
    }
  }

  /** Deducts refunded units from the rows they were counted in. */
  refunded(items: RefundItem[]): void {
    for (const item of items)
      this.#row(item.organization, item.day, item.quota.name).used -= item.weight;
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush().catch(() => {});
    }, this.#options.flushMs);
    this.#timer.unref();
  }

  /** Writes every buffered row now (waits for a write already under way first). */
  async flush(signal?: AbortSignal): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing.catch(() => {});
    if (this.#size === 0) return;
    const batch = this.#take();
    this.#flushing = this.#write(batch, signal).finally(() => {
      this.#flushing = undefined;
    });
    await this.#flushing;
  }

  #take(): Row[] {
    const batch: Row[] = [];
    for (const orgs of this.#rows.values()) {
      for (const quotas of orgs.values()) {
        for (const row of quotas.values()) {
          if (row.used !== 0 || row.refused !== 0 || row.overage !== 0) batch.push(row);
        }
      }
    }
    this.#rows = new Map();
    this.#size = 0;
    return batch;
  }

  async #write(batch: Row[], signal?: AbortSignal): Promise<void> {
    if (batch.length === 0) return;
    try {
      await this.#options.store.addHistory(batch, signal);
    } catch (error) {
      if (this.#size + batch.length > this.#options.maxRows) {
        this.#options.onLost(batch.length, error);
        throw error;
      }
      // keep them for the next flush, merged with what came in meanwhile
      for (const row of batch) {
        const into = this.#row(row.organization, row.day, row.quota);
        into.used += row.used;
        into.refused += row.refused;
        into.overage += row.overage;
      }
      throw error;
    }
  }

  /** Stops the timer; call `flush()` first to keep what is buffered. */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
