import { sharedIdSource } from './random-ids.js';

/** The fields of a W3C `traceparent` header (Trace Context level 1). */
export interface TraceParent {
  version: string;
  /** 32 lowercase hex digits, never all zeros. */
  traceId: string;
  /** 16 lowercase hex digits, never all zeros: the caller's span. */
  parentId: string;
  /** 2 lowercase hex digits; bit 0 is `sampled`. */
  flags: string;
}

const VERSION_00_LENGTH = 55;

/** True for a lowercase hex digit's char code (0-9, a-f). */
function isLowerHex(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 97 && code <= 102);
}

/** `value[from, to)` is lowercase hex; with `nonZero`, not all `0`. */
function isHexRange(value: string, from: number, to: number, nonZero: boolean): boolean {
  let zeros = true;
  for (let i = from; i < to; i++) {
    const code = value.charCodeAt(i);
    if (!isLowerHex(code)) return false;
    if (code !== 48) zeros = false;
  }
  return !(nonZero && zeros);
}

/**
 * Parses a `traceparent` header by the W3C rules, or returns undefined for anything invalid
 * (the caller then starts a new trace; an invalid header is never an error). Version `ff` is
 * invalid; version 00 must be exactly 55 characters; a higher version may be longer, with a
 * `-` after the flags, and is read by its first four fields.
 */
export function parseTraceparent(header: string | readonly string[] | null | undefined) {
  if (typeof header !== 'string') return undefined;
  const value = header.trim();
  if (value.length < VERSION_00_LENGTH) return undefined;
  if (!isHexRange(value, 0, 2, false) || (value[0] === 'f' && value[1] === 'f')) return undefined;
  const isVersion00 = value[0] === '0' && value[1] === '0';
  if (isVersion00 && value.length !== VERSION_00_LENGTH) return undefined;
  if (value.length > VERSION_00_LENGTH && value[VERSION_00_LENGTH] !== '-') return undefined;
  if (value[2] !== '-' || value[35] !== '-' || value[52] !== '-') return undefined;
  if (!isHexRange(value, 3, 35, true) || !isHexRange(value, 36, 52, true)) return undefined;
  if (!isHexRange(value, 53, 55, false)) return undefined;
  const version = value.slice(0, 2);
  const traceId = value.slice(3, 35);
  const parentId = value.slice(36, 52);
  const flags = value.slice(53, 55);
  const parsed: TraceParent = { version, traceId, parentId, flags };
  return parsed;
}

/** Formats the version 00 header we send: our trace id, our span id, the sampled bit only. */
export function formatTraceparent(traceId: string, spanId: string, flags = '01'): string {
  const sampled = (Number.parseInt(flags, 16) & 1) === 1 ? '01' : '00';
  return `00-${traceId}-${spanId}-${sampled}`;
}

/** A fresh random 16-byte trace id as 32 lowercase hex digits (from the pooled id source). */
export const newTraceId = (): string => sharedIdSource().hex(16);

/** A fresh random 8-byte span id as 16 lowercase hex digits (from the pooled id source). */
export const newSpanId = (): string => sharedIdSource().hex(8);
