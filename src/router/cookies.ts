/** Characters allowed in a cookie name (an RFC 9110 token). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Characters allowed in an unquoted cookie value (RFC 6265 cookie-octet). */
const COOKIE_OCTETS = /^[!#-+\--:<-[\]-~]*$/;

/** Whether `name` may be used as a cookie name. */
export const isCookieName = (name: string): boolean => TOKEN.test(name);
/** Whether `value` may be sent as a cookie value without quoting. */
export const isCookieValue = (value: string): boolean => COOKIE_OCTETS.test(value);

/**
 * The value of cookie `name` in a `Cookie` request header, or undefined. Scans the header in
 * place rather than building a map, since the router needs at most two names per request.
 * Surrounding double quotes are removed; the first occurrence of a name wins.
 */
export function readCookie(
  header: string | readonly string[] | undefined,
  name: string,
): string | undefined {
  if (header === undefined) return undefined;
  const text = typeof header === 'string' ? header : header.join('; ');
  let from = 0;
  while (from < text.length) {
    let end = text.indexOf(';', from);
    if (end === -1) end = text.length;
    let start = from;
    while (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9) start++;
    if (text.startsWith(name, start) && text.charCodeAt(start + name.length) === 61 /* = */) {
      const value = text.slice(start + name.length + 1, end).trim();
      return value.length >= 2 && value.startsWith('"') && value.endsWith('"')
        ? value.slice(1, -1)
        : value;
    }
    from = end + 1;
  }
  return undefined;
}

/** A `Set-Cookie` value: `name=value; Path=/; HttpOnly; SameSite=Lax[; Max-Age=n]`. */
export function setCookieValue(name: string, value: string, maxAgeS: number | undefined): string {
  const base = `${name}=${value}; Path=/; HttpOnly; SameSite=Lax`;
  return maxAgeS === undefined ? base : `${base}; Max-Age=${maxAgeS}`;
}
