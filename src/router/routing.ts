/**
 * The routing decision, a pure function of (table, request, random): which upstream gets a
 * new request. Blue-green uses one route of weight 1; a canary is two routes with weights.
 */
export interface Route {
  /** Key of a registered upstream (a release id). */
  readonly upstream: string;
  /** Relative share of new requests; 0 takes none. */
  readonly weight: number;
}

export interface RouteTable {
  readonly routes: readonly Route[];
}

/** What the decision may look at; kept small so it stays cheap and pure. */
export interface RouteRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
}

export const EMPTY_TABLE: RouteTable = Object.freeze({ routes: Object.freeze([]) });

/** A table that sends everything to one upstream. */
export function singleRoute(upstream: string): RouteTable {
  return Object.freeze({ routes: Object.freeze([Object.freeze({ upstream, weight: 1 })]) });
}

/**
 * Picks the route for a request, weighted, with `random` in [0, 1) (the caller passes
 * Math.random(); tests pass fixed values). Undefined when no route has a positive weight.
 */
export function chooseRoute(
  table: RouteTable,
  _request: RouteRequest,
  random: number,
): Route | undefined {
  const routes = table.routes;
  if (routes.length === 1) {
    const only = routes[0] as Route;
    return only.weight > 0 ? only : undefined;
  }
  let total = 0;
  for (const route of routes) if (route.weight > 0) total += route.weight;
  if (total <= 0) return undefined;
  let point = random * total;
  let last: Route | undefined;
  for (const route of routes) {
    if (route.weight <= 0) continue;
    last = route;
    point -= route.weight;
    if (point < 0) return route;
  }
  return last;
}
