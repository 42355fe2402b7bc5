export { BodyTooLargeError } from './body-limit.js';
export {
  type ClientSide,
  downstreamHeaders,
  HOP_BY_HOP,
  nextTraceparent,
  upstreamHeaders,
} from './headers.js';
export type { ProxyTarget, ProxyTargets } from './proxy-request.js';
export {
  createRouter,
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_CLIENT_KEEP_ALIVE_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_ROUTER_HOST,
  DEFAULT_ROUTER_PORT,
  type Router,
  type RouterOptions,
} from './router.js';
export {
  chooseRoute,
  EMPTY_TABLE,
  type Route,
  type RouteChoice,
  type RouteRequest,
  type RouteTable,
  type StickyOptions,
  singleRoute,
  type TargetRule,
  weightedTable,
} from './routing.js';
export { DEFAULT_UPSTREAM_CONNECTIONS, Upstream, type UpstreamOptions } from './upstream.js';
