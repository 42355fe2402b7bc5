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

function checkId(what: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_ID_LENGTH) {
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

/** The calendar window (or none) and the history day of a quota at `now`. */
export function windowOf(quota: Quota, now: number): { start: number; end: number; day: string } {
  // the day window is cached while `now` stays in it: its start day is today's date
  const day = calendarWindow('day', quota.timeZone, now).day;
  if (quota.calendar === undefined) return { start: 0, end: 0, day };
  const window = calendarWindow(quota.calendar, quota.timeZone, now);
  return { start: window.start, end: window.end, day };
}

/** Builds the store items of one step, in a stable order (by quota name). */
export function buildItems(
  definitions: ReadonlyMap<string, Quota>,
  subject: QuotaSubject,
  weights: Record<string, number> | readonly string[],
  now: number,
  mode: 'add' | 'set' = 'add',
): QuotaItem[] {
  checkId('organization', subject.organization);
  const entries: Array<[string, number]> = Array.isArray(weights)
    ? (weights as readonly string[]).map((name) => [name, 1])
    : Object.entries(weights as Record<string, number>);
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
      const window = windowOf(quota, now);
      const item: QuotaItem = {
        quota,
        organization: subject.organization,
        subject: subjectKey(quota, subject),
        weight,
        mode,
        windowStart: window.start,
        windowEnd: window.end,
        day: window.day,
      };
      if (quota.kind === 'concurrency') {
        item.leaseId = randomUUID();
        item.leaseExpiresAt = now + quota.leaseMs;
      }
      return item;
    });
}
