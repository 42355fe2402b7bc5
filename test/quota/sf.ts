/**
 * A small, strict RFC 9651 List parser for the RateLimit fields: members are sf-strings with
 * parameters whose values are integers, sf-strings, byte sequences or booleans. Throws on
 * anything else, so a malformed header fails the test that parses it.
 */
export interface SfItem {
  value: string;
  params: Record<string, number | string | boolean | Uint8Array>;
}

export function parseSfList(input: string): SfItem[] {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`sf: ${why} at ${i} in ${JSON.stringify(input)}`);
  };
  const skipSp = () => {
    while (input[i] === ' ') i++;
  };
  const skipOws = () => {
    while (input[i] === ' ' || input[i] === '\t') i++;
  };
  function string(): string {
    if (input[i] !== '"') fail('expected "');
    i++;
    let out = '';
    for (;;) {
      const c = input[i++];
      if (c === undefined) fail('unterminated string');
      if (c === '\\') {
        const next = input[i++];
        if (next !== '"' && next !== '\\') fail('bad escape');
        out += next;
      } else if (c === '"') return out;
      else if (c !== undefined && (c < ' ' || c > '~')) fail('non-printable');
      else out += c;
    }
  }
  function key(): string {
    const match = /^[a-z*][a-z0-9_\-.*]*/.exec(input.slice(i));
    if (!match) fail('expected a key');
    i += (match as RegExpExecArray)[0].length;
    return (match as RegExpExecArray)[0];
  }
  function bare(): number | string | boolean | Uint8Array {
    if (input[i] === '"') return string();
    if (input[i] === '?') {
      const b = input[i + 1];
      i += 2;
      if (b !== '0' && b !== '1') fail('bad boolean');
      return b === '1';
    }
    if (input[i] === ':') {
      const end = input.indexOf(':', i + 1);
      if (end < 0) fail('unterminated bytes');
      const b64 = input.slice(i + 1, end);
      if (!/^[A-Za-z0-9+/=]*$/.test(b64)) fail('bad base64');
      i = end + 1;
      return new Uint8Array(Buffer.from(b64, 'base64'));
    }
    const match = /^-?\d{1,15}(?![.\d])/.exec(input.slice(i));
    if (!match) fail('expected an integer');
    i += (match as RegExpExecArray)[0].length;
    return Number((match as RegExpExecArray)[0]);
  }
  const items: SfItem[] = [];
  skipSp();
  while (i < input.length) {
    const value = string();
    const params: SfItem['params'] = {};
    while (input[i] === ';') {
      i++;
      skipSp();
      const name = key();
      if (name in params) fail(`duplicate parameter ${name}`);
      if (input[i] === '=') {
        i++;
        params[name] = bare();
      } else params[name] = true;
    }
    items.push({ value, params });
    skipOws();
    if (i >= input.length) break;
    if (input[i] !== ',') fail('expected ,');
    i++;
    skipOws();
    if (i >= input.length) fail('trailing comma');
  }
  return items;
}
