/** The request header that carries the key (draft-ietf-httpapi-idempotency-key-header). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** Longest key accepted, in characters (Stripe's limit). */
export const MAX_KEY_LENGTH = 255;

export type KeyHeaderResult =
  | { kind: 'missing' }
  | { kind: 'valid'; key: string }
  | { kind: 'invalid'; reason: string };

const BARE_KEY = /^[\x21-\x2B\x2D-\x7E]+$/; // visible ASCII except ',' (a list separator)

/**
 * Reads the `Idempotency-Key` header from all its field lines (pass every occurrence, e.g.
 * from `rawHeaders`, so a repeated header is caught). Accepts an RFC 8941 sf-string
 * (`"..."` with `\"` and `\\` escapes, printable ASCII and space inside) or a bare key of
 * visible ASCII; the key is 1-255 characters. More than one value is invalid.
 */
export function parseIdempotencyKey(
  lines: readonly string[] | string | undefined,
): KeyHeaderResult {
  const values = lines === undefined ? [] : typeof lines === 'string' ? [lines] : lines;
  if (values.length === 0) return { kind: 'missing' };
  if (values.length > 1) return { kind: 'invalid', reason: 'the header appears more than once' };
  const value = (values[0] as string).replace(/^[ \t]+|[ \t]+$/g, '');
  const key = value.startsWith('"') ? parseSfString(value) : parseBare(value);
  if (typeof key !== 'string') return key;
  if (key.length === 0) return { kind: 'invalid', reason: 'the key is empty' };
  if (key.length > MAX_KEY_LENGTH) {
    return { kind: 'invalid', reason: `the key is longer than ${MAX_KEY_LENGTH} characters` };
  }
  return { kind: 'valid', key };
}

function parseBare(value: string): string | KeyHeaderResult {
  if (value === '') return '';
  if (value.includes(',')) return { kind: 'invalid', reason: 'the header holds a list' };
  if (!BARE_KEY.test(value)) {
    return { kind: 'invalid', reason: 'the key must be visible ASCII characters (0x21-0x7E)' };
  }
  return value;
}

function parseSfString(value: string): string | KeyHeaderResult {
  let key = '';
  for (let i = 1; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x5c) {
      const next = value[i + 1];
      if (next !== '"' && next !== '\\') {
        return { kind: 'invalid', reason: 'a backslash may only escape " or \\' };
      }
      key += next;
      i++;
    } else if (code === 0x22) {
      if (i !== value.length - 1) {
        return { kind: 'invalid', reason: 'unexpected characters after the quoted key' };
      }
      return key;
    } else if (code < 0x20 || code > 0x7e) {
      return { kind: 'invalid', reason: 'the quoted key must be printable ASCII characters' };
    } else {
      key += value[i];
    }
  }
  return { kind: 'invalid', reason: 'the quoted key has no closing quote' };
}

/** Every value of a header in Node's `rawHeaders` list (name/value pairs), in order. */
export function headerLines(rawHeaders: readonly string[], name: string): string[] {
  const lines: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === name) lines.push(rawHeaders[i + 1] as string);
  }
  return lines;
}
