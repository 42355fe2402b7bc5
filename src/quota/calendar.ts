/**
 * Calendar windows in an IANA time zone: a local day runs from local midnight to the next
 * (23 or 25 hours on a DST change day), a month from the first's midnight to the next
 * first's. Boundaries come from Intl.DateTimeFormat, never from a fixed offset.
 */

export interface CalendarWindow {
  /** Epoch ms of the window's first instant. */
  start: number;
  /** Epoch ms of the next window's first instant. */
  end: number;
  /** The local date the window starts on, `YYYY-MM-DD`. */
  day: string;
}

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The local date of an instant in a zone. */
export function localDate(ms: number, timeZone: string): LocalDate {
  if (timeZone === 'UTC') {
    const date = new Date(ms);
    return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
  }
  const parts = { year: 0, month: 0, day: 0 };
  for (const part of formatter(timeZone).formatToParts(ms)) {
    if (part.type === 'year' || part.type === 'month' || part.type === 'day') {
      parts[part.type] = Number(part.value);
    }
  }
  return parts;
}

const ordinal = (date: LocalDate): number => date.year * 10_000 + date.month * 100 + date.day;

/**
 * The first instant whose local date is `date` or later: local midnight, or the end of a
 * DST gap that swallowed midnight. Binary search over minutes around UTC midnight (every
 * zone's offset lies within -12 h .. +14 h).
 */
export function startOfLocalDay(date: LocalDate, timeZone: string): number {
  const utcMidnight = Date.UTC(date.year, date.month - 1, date.day);
  if (timeZone === 'UTC') return utcMidnight;
  const target = ordinal(date);
  let lo = (utcMidnight - 16 * 3_600_000) / MINUTE_MS; // always the day before locally
  let hi = (utcMidnight + 16 * 3_600_000) / MINUTE_MS; // always the day itself or later
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (ordinal(localDate(mid * MINUTE_MS, timeZone)) >= target) hi = mid;
    else lo = mid;
  }
  return hi * MINUTE_MS;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `YYYY-MM-DD` of an instant in a zone: the day history is recorded under. */
export function localDay(ms: number, timeZone: string): string {
  const date = localDate(ms, timeZone);
  return `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
}

/** The last window computed per zone and unit: most calls fall in it. */
const cache = new Map<string, { day?: CalendarWindow; month?: CalendarWindow }>();
const MAX_CACHED = 512;

/** The day or month window of a zone that contains `now`; cached while `now` stays in it. */
export function calendarWindow(
  unit: 'day' | 'month',
  timeZone: string,
  now: number,
): CalendarWindow {
  let zone = cache.get(timeZone);
  const hit = zone?.[unit];
  if (hit !== undefined && now >= hit.start && now < hit.end) return hit;
  const today = localDate(now, timeZone);
  let window: CalendarWindow;
  if (unit === 'day') {
    const next = new Date(Date.UTC(today.year, today.month - 1, today.day) + DAY_MS);
    window = {
      start: startOfLocalDay(today, timeZone),
      end: startOfLocalDay(
        { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() },
        timeZone,
      ),
      day: '',
    };
  } else {
    const next = new Date(Date.UTC(today.year, today.month, 1));
    window = {
      start: startOfLocalDay({ ...today, day: 1 }, timeZone),
      end: startOfLocalDay(
        { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: 1 },
        timeZone,
      ),
      day: '',
    };
  }
  window.day = localDay(window.start, timeZone);
  if (zone === undefined) {
    if (cache.size >= MAX_CACHED) cache.clear();
    zone = {};
    cache.set(timeZone, zone);
  }
  zone[unit] = window;
  return window;
}
