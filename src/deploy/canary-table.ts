import type { ResolvedCanary } from '../config/resolve.js';
import { type RouteTable, weightedTable } from '../router/routing.js';

/**
 * The route table during a rollout: blue and green by weight (percent for green), the sticky
 * cookie that keeps a client on one version, and the targeting rules (testers always reach
 * green, opted-out clients never do).
 */
export function rolloutTable(
  blueId: string,
  greenId: string,
  weight: number,
  canary: ResolvedCanary,
): RouteTable {
  return weightedTable(
    [
      { upstream: blueId, weight: 100 - weight },
      { upstream: greenId, weight },
    ],
    {
      ...(canary.sticky === undefined ? {} : { sticky: canary.sticky }),
      rules: canary.targeting.map((target) => ({
        ...(target.header === undefined ? {} : { header: target.header.toLowerCase() }),
        ...(target.cookie === undefined ? {} : { cookie: target.cookie }),
        value: target.value,
        upstream: target.to === 'canary' ? greenId : blueId,
      })),
    },
  );
}
