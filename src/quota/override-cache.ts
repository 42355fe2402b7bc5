import { BoundedMap } from './bounded-map.js';
import type { ItemOutcome, QuotaItem } from './store.js';

/** How long a limit read from the store is trusted in this process; default 5 s. */
export const DEFAULT_OVERRIDE_CACHE_MS = 5_000;
/** Organizations whose limits are cached (least recently used dropped first). */
export const DEFAULT_OVERRIDE_CACHE_KEYS = 10_000;

/** The limits learnt for one organization, all trusted until `until`. */
interface OrgLimits {
  until: number;
  limits: Map<string, number>;
}

/**
 * The limits in force per organization and quota, as the store last answered them, kept
 * for `ttlMs` so a step need not read the organization's overrides each time. A change made
 * through this process (setOverride, an approval) forgets the organization at once; a
 * change made by another process is seen at most `ttlMs` later. `ttlMs` 0 turns it off.
 */
export class OverrideCache {
  readonly #orgs: BoundedMap<OrgLimits>;
  /** Bumped by every forget: a step that began before one must not cache what it read. */
  #generation = 0;

  constructor(
    readonly ttlMs: number,
    maxKeys: number,
  ) {
    this.#orgs = new BoundedMap(maxKeys);
  }

  get generation(): number {
    return this.#generation;
  }

  /** Sets `item.limit` on each item whose limit is known and fresh; the store reads the rest. */
  fill(items: QuotaItem[], now: number): void {
    if (this.ttlMs === 0) return;
    const org = this.#orgs.get((items[0] as QuotaItem).organization);
    if (org === undefined) return;
    if (now >= org.until) {
      this.#orgs.delete((items[0] as QuotaItem).organization);
      return;
    }
    for (const item of items) item.limit = org.limits.get(item.quota.name);
  }

  /** Remembers the limits a step found, unless a change was made since it began. */
  learn(items: QuotaItem[], outcomes: ItemOutcome[], now: number, generation: number): void {
    if (this.ttlMs === 0 || generation !== this.#generation) return;
    const organization = (items[0] as QuotaItem).organization;
    let org = this.#orgs.get(organization);
    if (org === undefined || now >= org.until) {
      org = { until: now + this.ttlMs, limits: new Map() };
      this.#orgs.set(organization, org);
    }
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as QuotaItem;
      if (item.limit === undefined) {
        org.limits.set(item.quota.name, (outcomes[i] as ItemOutcome).limit);
      }
    }
  }

  /** Forgets an organization's limits (after a change of its overrides in this process). */
  forget(organization: string): void {
    this.#generation++;
    this.#orgs.delete(organization);
  }
}
