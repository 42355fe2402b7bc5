import { describe, expect, it } from 'vitest';
import { readCookie, setCookieValue } from '../../src/router/cookies.js';
import {
  chooseRoute,
  EMPTY_TABLE,
  type RouteRequest,
  singleRoute,
  weightedTable,
} from '../../src/router/routing.js';

const bare: RouteRequest = { method: 'GET', url: '/', headers: {} };
const withHeaders = (headers: Record<string, string>): RouteRequest => ({ ...bare, headers });
const upstreamOf = (choice: ReturnType<typeof chooseRoute>) => choice?.route.upstream;

describe('chooseRoute without stickiness', () => {
  it('sends everything to a single route and nothing with an empty table', () => {
    expect(chooseRoute(singleRoute('a'), bare, 0.99)).toEqual({
      route: { upstream: 'a', weight: 1 },
      assign: false,
    });
    const single = singleRoute('a');
    expect(chooseRoute(single, bare, 0.5)).toBe(chooseRoute(single, bare, 0.1)); // made once
    expect(chooseRoute(EMPTY_TABLE, bare, 0.5)).toBeUndefined();
    expect(chooseRoute({ routes: [{ upstream: 'x', weight: 0 }] }, bare, 0.1)).toBeUndefined();
  });

  it('splits by weight and skips zero weights', () => {
    const table = weightedTable([
      { upstream: 'blue', weight: 9 },
      { upstream: 'off', weight: 0 },
      { upstream: 'green', weight: 1 },
    ]);
    expect(upstreamOf(chooseRoute(table, bare, 0))).toBe('blue');
    expect(upstreamOf(chooseRoute(table, bare, 0.89))).toBe('blue');
    expect(upstreamOf(chooseRoute(table, bare, 0.9))).toBe('green');
    expect(upstreamOf(chooseRoute(table, bare, 0.999))).toBe('green');
    expect(chooseRoute(table, bare, 0.5)?.assign).toBe(false);
  });
});

describe('chooseRoute with a sticky cookie and targeting rules', () => {
  const table = weightedTable(
    [
      { upstream: 'r1', weight: 90 },
      { upstream: 'r2', weight: 10 },
      { upstream: 'r3', weight: 0 },
    ],
    {
      sticky: { cookie: 'bw_release', maxAgeS: 3600 },
      rules: [
        { header: 'x-canary', value: 'yes', upstream: 'r2' },
        { cookie: 'tester', value: 'never', upstream: 'r1' },
        { header: 'x-old', value: '1', upstream: 'r3' },
      ],
    },
  );

  it('assigns the cookie on a weighted draw', () => {
    expect(chooseRoute(table, bare, 0.1)).toEqual({ route: table.routes[0], assign: true });
    expect(chooseRoute(table, bare, 0.95)).toEqual({ route: table.routes[1], assign: true });
  });

  it('keeps a client on the serving version its cookie names, without reassigning', () => {
    const r2 = withHeaders({ cookie: 'a=b; bw_release=r2; c=d' });
    expect(chooseRoute(table, r2, 0.01)).toEqual({ route: table.routes[1], assign: false });
    const quoted = withHeaders({ cookie: 'bw_release="r1"' });
    expect(chooseRoute(table, quoted, 0.99)).toEqual({ route: table.routes[0], assign: false });
  });

  it('draws again (and reassigns) when the cookie names a weight-0 or unknown version', () => {
    for (const value of ['r3', 'r9', '']) {
      const choice = chooseRoute(table, withHeaders({ cookie: `bw_release=${value}` }), 0.95);
      expect(choice).toEqual({ route: table.routes[1], assign: true });
    }
  });

  it('lets a matching rule win over the cookie and the draw', () => {
    const canary = withHeaders({ 'x-canary': 'yes', cookie: 'bw_release=r1' });
    expect(chooseRoute(table, canary, 0.01)).toEqual({ route: table.routes[1], assign: false });
    const never = withHeaders({ cookie: 'tester=never; bw_release=r2' });
    expect(chooseRoute(table, never, 0.99)).toEqual({ route: table.routes[0], assign: false });
    // values must match exactly
    expect(chooseRoute(table, withHeaders({ 'x-canary': 'YES' }), 0.01)?.assign).toBe(true);
    expect(upstreamOf(chooseRoute(table, withHeaders({ cookie: 'tester=nev' }), 0.99))).toBe('r2');
  });

  it('never routes to a weight-0 upstream, even by rule', () => {
    expect(upstreamOf(chooseRoute(table, withHeaders({ 'x-old': '1' }), 0.01))).toBe('r1');
  });

  it('with one serving route, routes there without a cookie or rule', () => {
    const promoted = weightedTable(
      [
        { upstream: 'r1', weight: 0 },
        { upstream: 'r2', weight: 100 },
      ],
      {
        sticky: { cookie: 'bw_release' },
        rules: [{ header: 'x-old', value: '1', upstream: 'r1' }],
      },
    );
    const pinned = withHeaders({ cookie: 'bw_release=r1', 'x-old': '1' });
    expect(chooseRoute(promoted, pinned, 0)).toEqual({ route: promoted.routes[1], assign: false });
    expect(chooseRoute(singleRoute('r2'), pinned, 0)?.assign).toBe(false);
  });

  it('works without headers at all', () => {
    expect(chooseRoute(table, { method: 'GET', url: '/' }, 0.5)?.assign).toBe(true);
  });
});

describe('weightedTable', () => {
  it('is frozen, deeply', () => {
    const table = weightedTable([{ upstream: 'a', weight: 1 }], {
      sticky: { cookie: 'c' },
      rules: [{ header: 'x', value: 'y', upstream: 'a' }],
    });
    expect(Object.isFrozen(table)).toBe(true);
    expect(Object.isFrozen(table.routes[0])).toBe(true);
    expect(Object.isFrozen(table.sticky)).toBe(true);
    expect(Object.isFrozen(table.rules?.[0])).toBe(true);
  });

  it('refuses bad weights, keys, cookie names and rules', () => {
    expect(() => weightedTable([{ upstream: 'a', weight: -1 }])).toThrow(/weight of "a"/);
    expect(() => weightedTable([{ upstream: 'a', weight: Number.NaN }])).toThrow(RangeError);
    expect(() =>
      weightedTable([
        { upstream: 'a', weight: 1 },
        { upstream: 'a', weight: 1 },
      ]),
    ).toThrow(/unique/);
    expect(() =>
      weightedTable([{ upstream: 'a b', weight: 1 }], { sticky: { cookie: 'c' } }),
    ).toThrow(/cookie value/);
    expect(() => weightedTable([], { sticky: { cookie: 'bad name' } })).toThrow(/cookie name/);
    expect(() => weightedTable([], { sticky: { cookie: 'c', maxAgeS: 1.5 } })).toThrow(/maxAgeS/);
    expect(() => weightedTable([], { rules: [{ value: 'v', upstream: 'a' }] })).toThrow(
      /exactly one/,
    );
    expect(() =>
      weightedTable([], { rules: [{ header: 'X-Canary', value: 'v', upstream: 'a' }] }),
    ).toThrow(/lower-case/);
  });
});

describe('cookies', () => {
  it('reads one cookie from a Cookie header', () => {
    expect(readCookie('a=1; b=2;c=3', 'b')).toBe('2');
    expect(readCookie('a=1; b=2;c=3', 'c')).toBe('3');
    expect(readCookie('ab=1; b=2', 'b')).toBe('2');
    expect(readCookie('a=1', 'b')).toBeUndefined();
    expect(readCookie(undefined, 'b')).toBeUndefined();
    expect(readCookie(['a=1', 'b=2'], 'b')).toBe('2');
  });

  it('formats the sticky Set-Cookie', () => {
    expect(setCookieValue('bw', 'r12', undefined)).toBe('bw=r12; Path=/; HttpOnly; SameSite=Lax');
    expect(setCookieValue('bw', 'r12', 60)).toBe(
      'bw=r12; Path=/; HttpOnly; SameSite=Lax; Max-Age=60',
    );
  });
});
