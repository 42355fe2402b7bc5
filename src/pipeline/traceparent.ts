import { randomBytes } from 'node:crypto';

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
const LOWER_HEX = /^[0-9a-f]+$/;
const ALL_ZEROS = /^0+$/;

function isHexId(value: string, length: number): boolean {
  return value.length === length && LOWER_HEX.test(value) && !ALL_ZEROS.test(value);
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
  const version = value.slice(0, 2);
  if (!/^[0-9a-f]{2}$/.test(version) || version === 'ff') return undefined;
  if (version === '00' && value.length !== VERSION_00_LENGTH) return undefined;
  if (value.length > VERSION_00_LENGTH && value[VERSION_00_LENGTH] !== '-') return undefined;
  if (value[2] !== '-' || value[35] !== '-' || value[52] !== '-') return undefined;
  const traceId = value.slice(3, 35);
  const parentId = value.slice(36, 52);
  const flags = value.slice(53, 55);
  if (!isHexId(traceId, 32) || !isHexId(parentId, 16)) return undefined;
  if (!/^[0-9a-f]{2}$/.test(flags)) return undefined;
  const parsed: TraceParent = { version, traceId, parentId, flags };
  return parsed;
}

/** Formats the version 00 header we send: our trace id, our span id, the sampled bit only. */
export function formatTraceparent(traceId: string, spanId: string, flags = '01'): string {
  const sampled = (Number.parseInt(flags, 16) & 1) === 1 ? '01' : '00';
  return `00-${traceId}-${spanId}-${sampled}`;
}

function randomHex(bytes: number): string {
  for (;;) {
    const id = randomBytes(bytes).toString('hex');
    if (!ALL_ZEROS.test(id)) return id;
  }
}

/** A fresh random 16-byte trace id as 32 lowercase hex digits. */
export const newTraceId = (): string => randomHex(16);

/** A fresh random 8-byte span id as 16 lowercase hex digits. */
export const newSpanId = (): string => randomHex(8);
