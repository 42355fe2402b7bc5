import { randomUUID } from 'node:crypto';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { calendarWindow } from './calendar.js';
import type { Quota } from './definition.js';
import type { QuotaItem } from './store.js';

/** Who a step is for: the organization, and the user when a quota is counted per user. */
export interface QuotaSubject {
  organization: string;
  /** Needed by quotas declared `per: 'user'`. */
  user?: string | undefined;
  /** A key per quota name that replaces the default (organization or `org/user`) key. */
  keys?: Record<string, string> | undefined;
}

const MAX_ID_LENGTH = 200;

export function invalid(detail: string): BreakwaterError {
  return new BreakwaterError(errors.QUOTA_INVALID, detail);
}

/** True when `value` is only whitespace; trims only when its first character could be one. */
function blank(value: string): boolean {
  const first = value.charCodeAt(0);
  // every character String.prototype.trim() removes is <= 0x20, 0xa0, or >= 0x1680
  return (first <= 0x20 || first === 0xa0 || first >= 0x1680) && value.trim() === '';
}

function checkId(what: string, value: unknown): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > MAX_ID_LENGTH ||
    blank(value)
  ) {
    throw invalid(`${what} must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
  return value;
}

/** The key a quota counts the subject under. */
export function subjectKey(quota: Quota, subject: QuotaSubject): string {
  const own = subject.keys?.[quota.name];
  if (own !== undefined) return checkId(`key for ${quota.name}`, own);
  if (quota.per === 'organization') return subject.organization;
  if (subject.user === undefined) {
    throw invalid(`quota "${quota.name}" is counted per user: give the user`);
  }
  return `${subject.organization}/${checkId('user', subject.user)}`;
}

/** Looks a quota up by name, or refuses with BW_QUOTA_UNKNOWN. */
export function quotaNamed(definitions: ReadonlyMap<string, Quota>, name: string): Quota {
  const quota = definitions.get(name);
  if (quota === undefined) {
    throw new BreakwaterError(errors.QUOTA_UNKNOWN, `no quota named "${name}"`);
  }
  return quota;
}

/** A quota's calendar window (`start`/`end` 0 for rolling ones) and history day at an instant. */
export interface QuotaWindow {
  start: number;
  end: number;
  day: string;
}

/**
 * A quota's window and day, cached while the clock stays in both (the span `from`..`to`),
 * so a step costs two comparisons; recomputed from the calendar when it leaves them.
 */
class WindowClock {
  #current: QuotaWindow = { start: 0, end: 0, day: '' };
  #from = 0;
  #to = 0;

  constructor(readonly quota: Quota) {}

  at(now: number): QuotaWindow {
    return now >= this.#from && now < this.#to ? this.#current : this.#move(now);
  }

  #move(now: number): QuotaWindow {
    const { calendar, timeZone } = this.quota;
    const day = calendarWindow('day', timeZone, now);
    const window = calendar === undefined ? day : calendarWindow(calendar, timeZone, now);
    const rolling = calendar === undefined;
    this.#current = {
      start: rolling ? 0 : window.start,
      end: rolling ? 0 : window.end,
      day: day.day,
    };
    this.#from = Math.max(day.start, window.start);
    this.#to = Math.min(day.end, window.end);
    return this.#current;
  }
}

const clocks = new WeakMap<Quota, WindowClock>();

function clockOf(quota: Quota): WindowClock {
  let clock = clocks.get(quota);
  if (clock === undefined) {
    clock = new WindowClock(quota);
    clocks.set(quota, clock);
  }
  return clock;
}

/** The calendar window (or none) and the history day of a quota at `now` (cached). */
export function windowOf(quota: Quota, now: number): QuotaWindow {
  return clockOf(quota).at(now);
}

/** One quota a step names, with its weight (and its window clock, to skip a lookup). */
interface Planned {
  quota: Quota;
  weight: number;
  clock: WindowClock;
}

/**
 * Builds the store items of a step from a subject and the weights it names, in a stable
 * order (by quota name). A step that names one quota with weight 1 (`['name']` or
 * `{ name: 1 }`, the common case) reuses a plan made once per quota.
 */
export function itemBuilder(definitions: ReadonlyMap<string, Quota>) {
  const singles = new Map<string, readonly Planned[]>();
  for (const quota of definitions.values()) {
    singles.set(quota.name, [{ quota, weight: 1, clock: clockOf(quota) }]);
  }

  function plan(weights: Record<string, number> | readonly string[], mode: 'add' | 'set') {
    if (Array.isArray(weights)) {
      if (weights.length === 1) {
        const single = singles.get(weights[0] as string);
        if (single !== undefined) return single;
      }
      return planOf(
        (weights as readonly string[]).map((name): [string, number] => [name, 1]),
        mode,
      );
    }
    const entries = Object.entries(weights as Record<string, number>);
    if (entries.length === 1 && mode === 'add' && (entries[0] as [string, number])[1] === 1) {
      const single = singles.get((entries[0] as [string, number])[0]);
      if (single !== undefined) return single;
    }
    return planOf(entries, mode);
  }

  function planOf(entries: Array<[string, number]>, mode: 'add' | 'set'): Planned[] {
    if (entries.length === 0) throw invalid('name at least one quota to consume');
    return entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, weight]) => {
        const quota = quotaNamed(definitions, name);
        if (typeof weight !== 'number' || !Number.isFinite(weight)) {
          throw invalid(`weight for "${name}" must be a finite number`);
        }
        if (mode === 'add' && quota.kind !== 'gauge' && weight <= 0) {
          throw invalid(`weight for "${name}" must be > 0`);
        }
        if (quota.kind === 'concurrency' && weight !== 1) {
          throw invalid(`a concurrency quota ("${name}") takes one slot per request`);
        }
        return { quota, weight, clock: clockOf(quota) };
      });
  }

  /** One store item of a planned quota (every field set, in one order: one object shape). */
  function itemOf(
    planned: Planned,
    organization: string,
    subject: QuotaSubject,
    now: number,
    mode: 'add' | 'set',
  ): QuotaItem {
    const { quota, weight, clock } = planned;
    const window = clock.at(now);
    const concurrency = quota.kind === 'concurrency';
    // counted under the organization's own name: no key of the application's, not per user
    const own = subject.keys === undefined && quota.per === 'organization';
    return {
      quota,
      organization,
      subject: own ? organization : subjectKey(quota, subject),
      weight,
      mode,
      windowStart: window.start,
      windowEnd: window.end,
      day: window.day,
      ownWindow: own ? window : undefined,
      leaseId: concurrency ? randomUUID() : undefined,
      leaseExpiresAt: concurrency ? now + quota.leaseMs : undefined,
      limit: undefined,
    };
  }

  /** The items of a step, one per quota it names. */
  const items = (
    subject: QuotaSubject,
    weights: Record<string, number> | readonly string[],
    now: number,
    mode: 'add' | 'set' = 'add',
  ): QuotaItem[] => {
    const organization = checkId('organization', subject.organization);
    const planned = plan(weights, mode);
    const built: QuotaItem[] = new Array(planned.length);
    for (let i = 0; i < planned.length; i++) {
      built[i] = itemOf(planned[i] as Planned, organization, subject, now, mode);
    }
    return built;
  };

  // the quota a one-quota step named last, and its plan
  let lastName: unknown;
  let lastPlanned: Planned | undefined;
  /**
   * The one item of a step that names a single quota by name (`['name']`, weight 1: the
   * common check), without the array; undefined for any other step (use `items`).
   */
  const single = (
    subject: QuotaSubject,
    weights: Record<string, number> | readonly string[],
    now: number,
  ): QuotaItem | undefined => {
    if (!Array.isArray(weights) || weights.length !== 1) return undefined;
    const name: unknown = weights[0];
    // a run of checks of one quota (the common case) skips the lookup by name
    let planned = lastPlanned;
    if (name !== lastName || planned === undefined) {
      planned = singles.get(name as string)?.[0];
      if (planned === undefined) return undefined;
      lastName = name;
      lastPlanned = planned;
    }
    const organization = checkId('organization', subject.organization);
    return itemOf(planned, organization, subject, now, 'add');
  };

  return { items, single };
}
