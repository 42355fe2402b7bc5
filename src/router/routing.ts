import { isCookieName, isCookieValue, readCookie } from './cookies.js';

/**
 * The routing decision, a pure function of (table, request, random): which upstream gets a
 * new request. Blue-green uses one route of weight 1; a canary is two routes with weights,
 * usually with a sticky cookie and targeting rules.
 */
export interface Route {
  /** Key of a registered upstream (a release id). */
  readonly upstream: string;
  /** Relative share of new requests; 0 means "not serving": it takes none at all. */
  readonly weight: number;
}

/** The router's own cookie that keeps a client on the version it was first routed to. */
export interface StickyOptions {
  readonly cookie: string;
  /** Lifetime in seconds; undefined = a session cookie. */
  readonly maxAgeS?: number;
}

/**
 * A request that always reaches one upstream (testers on the canary, or a client that must
 * never see it), matched by a request header (lower-case name) or by a cookie, exactly.
 */
export interface TargetRule {
  readonly header?: string;
  readonly cookie?: string;
  readonly value: string;
  /** The upstream it reaches, as long as that upstream has a weight above 0 in the table. */
  readonly upstream: string;
}

export interface RouteTable {
  readonly routes: readonly Route[];
  readonly sticky?: StickyOptions;
  readonly rules?: readonly TargetRule[];
}

/** What the decision may look at; kept small so it stays cheap and pure. */
export interface RouteRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  /** Lower-case header names, as node:http gives them; only read for sticky or rule tables. */
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/** The route for one request, and whether its answer must carry the sticky cookie. */
export interface RouteChoice {
  readonly route: Route;
  readonly assign: boolean;
}

/** The choice a one-route table always makes, made once, so routing it allocates nothing. */
const kOnly = Symbol('breakwater.onlyChoice');
type WithOnly = RouteTable & { readonly [kOnly]?: RouteChoice };

export const EMPTY_TABLE: RouteTable = Object.freeze({ routes: Object.freeze([]) });

/** A table that sends everything to one upstream. */
export function singleRoute(upstream: string): RouteTable {
  const route = Object.freeze({ upstream, weight: 1 });
  return Object.freeze({
    routes: Object.freeze([route]),
    [kOnly]: Object.freeze({ route, assign: false }),
  });
}

/**
 * A frozen table of weighted routes, with an optional sticky cookie (whose value is the
 * upstream key) and targeting rules. Throws a TypeError or RangeError naming the bad part.
 */
export function weightedTable(
  routes: readonly Route[],
  options: { sticky?: StickyOptions; rules?: readonly TargetRule[] } = {},
): RouteTable {
  const seen = new Set<string>();
  for (const { upstream, weight } of routes) {
    if (upstream === '' || seen.has(upstream))
      throw new TypeError(`route upstream must be a unique non-empty key, got "${upstream}"`);
    seen.add(upstream);
    if (!Number.isFinite(weight) || weight < 0)
      throw new RangeError(`weight of "${upstream}" must be a finite number >= 0, got ${weight}`);
    if (options.sticky !== undefined && !isCookieValue(upstream))
      throw new TypeError(`upstream key "${upstream}" cannot be a cookie value`);
  }
  const { sticky, rules } = options;
  if (sticky !== undefined) {
    if (!isCookieName(sticky.cookie))
      throw new TypeError(`sticky cookie name "${sticky.cookie}" is not a valid cookie name`);
    const age = sticky.maxAgeS;
    if (age !== undefined && !(Number.isInteger(age) && age >= 0))
      throw new RangeError(`sticky maxAgeS must be an integer >= 0, got ${age}`);
  }
  for (const rule of rules ?? []) {
    if ((rule.header === undefined) === (rule.cookie === undefined))
      throw new TypeError('a targeting rule needs exactly one of header or cookie');
    if (rule.header !== undefined && rule.header !== rule.header.toLowerCase())
      throw new TypeError(`targeting rule header "${rule.header}" must be lower-case`);
    if (rule.cookie !== undefined && !isCookieName(rule.cookie))
      throw new TypeError(`targeting rule cookie "${rule.cookie}" is not a valid cookie name`);
  }
  const frozen = Object.freeze(routes.map((route) => Object.freeze({ ...route })));
  return Object.freeze({
    routes: frozen,
    ...(frozen.length === 1
      ? { [kOnly]: Object.freeze({ route: frozen[0] as Route, assign: false }) }
      : {}),
    ...(sticky === undefined ? {} : { sticky: Object.freeze({ ...sticky }) }),
    ...(rules === undefined || rules.length === 0
      ? {}
      : { rules: Object.freeze(rules.map((rule) => Object.freeze({ ...rule }))) }),
  });
}

/** The route of `upstream` if it is serving (weight above 0). */
function serving(routes: readonly Route[], upstream: string): Route | undefined {
  for (const route of routes) if (route.upstream === upstream && route.weight > 0) return route;
  return undefined;
}

function ruleMatches(
  rule: TargetRule,
  headers: RouteRequest['headers'],
  cookies: string | readonly string[] | undefined,
): boolean {
  if (rule.cookie !== undefined) return readCookie(cookies, rule.cookie) === rule.value;
  const value = headers?.[rule.header as string];
  return typeof value === 'string' ? value === rule.value : value?.includes(rule.value) === true;
}

/**
 * Picks the route for a request. Only routes with a weight above 0 are candidates; with one
 * candidate it wins without looking at the request. Otherwise, in order: (a) the first
 * targeting rule that matches and whose upstream is a candidate; (b) the candidate the
 * sticky cookie names; (c) a weighted draw with `random` in [0, 1) (the caller passes
 * Math.random(); tests pass fixed values), whose answer must set the sticky cookie when the
 * table has one. Undefined when no route has a positive weight.
 */
export function chooseRoute(
  table: RouteTable,
  request: RouteRequest,
  random: number,
): RouteChoice | undefined {
  const routes = table.routes;
  if (routes.length === 1) {
    const only = routes[0] as Route;
    if (only.weight <= 0) return undefined;
    return (table as WithOnly)[kOnly] ?? { route: only, assign: false };
  }
  let total = 0;
  let candidates = 0;
  let last: Route | undefined;
  for (const route of routes) {
    if (route.weight <= 0) continue;
    total += route.weight;
    candidates++;
    last = route;
  }
  if (last === undefined) return undefined;
  if (candidates === 1) return { route: last, assign: false };
  const { rules, sticky } = table;
  if (rules !== undefined || sticky !== undefined) {
    const headers = request.headers;
    const cookies = headers?.cookie;
    for (const rule of rules ?? []) {
      if (!ruleMatches(rule, headers, cookies)) continue;
      const route = serving(routes, rule.upstream);
      if (route !== undefined) return { route, assign: false };
    }
    if (sticky !== undefined && cookies !== undefined) {
      const key = readCookie(cookies, sticky.cookie);
      const route = key === undefined ? undefined : serving(routes, key);
      if (route !== undefined) return { route, assign: false };
    }
  }
  const assign = sticky !== undefined;
  let point = random * total;
  for (const route of routes) {
    if (route.weight <= 0) continue;
    point -= route.weight;
    if (point < 0) return { route, assign };
  }
  return { route: last, assign };
}
