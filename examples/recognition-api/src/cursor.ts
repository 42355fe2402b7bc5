/**
 * The opaque page cursor of `GET /v1/recognitions`: the (createdAt, id) of the last item of a
 * page, base64url-encoded. Clients pass it back unchanged; anything else is rejected.
 */
export interface CursorPosition {
  createdAt: string;
  id: string;
}

const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CURSOR_ID = /^[A-Za-z0-9_-]{1,64}$/;
const BASE64URL = /^[A-Za-z0-9_-]{1,512}$/;

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(`${position.createdAt}|${position.id}`, 'utf8').toString('base64url');
}

/** The position a cursor names, or undefined when it is not one this service produced. */
export function decodeCursor(cursor: string): CursorPosition | undefined {
  if (!BASE64URL.test(cursor)) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const separator = text.indexOf('|');
  if (separator === -1) return undefined;
  const createdAt = text.slice(0, separator);
  const id = text.slice(separator + 1);
  if (!ISO_MILLIS.test(createdAt) || !CURSOR_ID.test(id)) return undefined;
  if (Number.isNaN(Date.parse(createdAt))) return undefined;
  // Round trip, so a cursor with trailing junk bits or a non-canonical date is refused.
  if (encodeCursor({ createdAt, id }) !== cursor) return undefined;
  if (new Date(createdAt).toISOString() !== createdAt) return undefined;
  return { createdAt, id };
}
