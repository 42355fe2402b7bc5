import { describe, expect, it } from 'vitest';
import { downstreamHeaders, nextTraceparent, upstreamHeaders } from '../../src/router/headers.js';

const client = { remoteAddress: '10.0.0.7', proto: 'http' };
const asObject = (flat: string[]) => {
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2)
    out[(flat[i] as string).toLowerCase()] = flat[i + 1] as string;
  return out;
};

describe('upstream headers', () => {
  it('drops hop-by-hop headers and those Connection names, keeps the rest', () => {
    const out = asObject(
      upstreamHeaders(
        [
          'Host',
          'a.test',
          'Connection',
          'close, X-Hop',
          'X-Hop',
          '1',
          'Upgrade',
          'h2c',
          'Proxy-Foo',
          'x',
          'Transfer-Encoding',
          'chunked',
          'Expect',
          '100-continue',
          'Accept',
          '*/*',
        ],
        client,
      ),
    );
    expect(out).toMatchObject({
      host: 'a.test',
      accept: '*/*',
      'x-forwarded-for': '10.0.0.7',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'a.test',
    });
    for (const hop of [
      'connection',
      'x-hop',
      'upgrade',
      'proxy-foo',
      'transfer-encoding',
      'expect',
    ])
      expect(out[hop]).toBeUndefined();
  });

  it('keeps Upgrade and Connection: upgrade for a handshake, and earlier proxies forwarding headers', () => {
    const out = asObject(
      upstreamHeaders(
        [
          'X-Forwarded-For',
          '1.1.1.1',
          'X-Forwarded-Proto',
          'https',
          'Connection',
          'Upgrade',
          'Upgrade',
          'websocket',
        ],
        client,
        'websocket',
      ),
    );
    expect(out).toMatchObject({
      'x-forwarded-for': '1.1.1.1, 10.0.0.7',
      'x-forwarded-proto': 'https',
      connection: 'upgrade',
      upgrade: 'websocket',
    });
  });

  it('strips hop-by-hop response headers into a flat list, repeated values kept', () => {
    expect(
      downstreamHeaders({
        connection: 'x-a',
        'x-a': '1',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        'set-cookie': ['a=1', 'b=2'],
        'content-type': 'text/plain',
        'proxy-authenticate': 'Basic',
      }),
    ).toEqual(['set-cookie', ['a=1', 'b=2'], 'content-type', 'text/plain']);
    expect(downstreamHeaders({ connection: 'keep-alive', date: 'x' })).toEqual(['date', 'x']);
  });

  it('continues a valid trace with a new span, or starts one, keeping the sampled flag', () => {
    const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00';
    expect(nextTraceparent(parent)).toMatch(
      /^00-4bf92f3577b34da6a3ce929d0e0e4736-(?!00f067aa0ba902b7)[0-9a-f]{16}-00$/,
    );
    expect(nextTraceparent(undefined)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(
      nextTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01'),
    ).not.toContain('0000000000000000000000000000000');
  });
});
