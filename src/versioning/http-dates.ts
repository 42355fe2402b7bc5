import { isCalendarDate } from './version-id.js';

/**
 * The date formats of the deprecation headers, and the configuration dates they come from.
 * Times are epoch milliseconds throughout.
 */

/** Earliest and latest instants an IMF-fixdate can carry (four-digit years from 1970). */
const MIN_MS = 0;
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * Reads a configured instant: a Date, or an ISO 8601 string with a zone (`2025-06-01`,
 * midnight UTC, or `2025-06-01T12:00:00Z`). Undefined when it is not one, or outside
 * 1970-9999 (an HTTP date has a four-digit year).
 */
export function parseInstant(value: Date | string): number | undefined {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'string' && ISO.test(value)) ms = Date.parse(value);
  else return undefined;
  if (!Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) return undefined;
  // Date.parse rolls 2025-02-30 over to March 2nd: the calendar date itself must exist.
  if (typeof value === 'string' && !isCalendarDate(value.slice(0, 10))) return undefined;
  return ms;
}

/** RFC 9745 `Deprecation` value: an RFC 9651 sf-date, `@` and whole epoch seconds. */
export function structuredDate(ms: number): string {
  return `@${Math.floor(ms / 1000)}`;
}

/** RFC 9110 IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), as RFC 8594 `Sunset` wants. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** `2025-06-01` or `2025-06-01T12:30:00Z`: how the changelog and problems show an instant. */
export function isoInstant(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.replace('.000Z', 'Z');
}
