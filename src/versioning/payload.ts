/** True for `application/json`, `application/problem+json` and other `+json` media types. */
export function isJsonMediaType(contentType: unknown): boolean {
  if (typeof contentType !== 'string') return false;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/** A response payload (string or bytes) parsed as JSON, or undefined when it is not JSON. */
export function parseJsonPayload(payload: unknown): { value: unknown } | undefined {
  let text: string;
  if (typeof payload === 'string') text = payload;
  else if (payload instanceof Uint8Array) text = Buffer.from(payload).toString('utf8');
  else return undefined;
  if (text.length === 0) return undefined;
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}
