import { type AdminRoutes, actorOf } from '../admin/server.js';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { applyOverride, type BreakerCluster } from './cluster.js';
import { BREAKER_NAME, type BreakerRegistry } from './registry.js';
import { breakerStatus } from './status.js';
import { OVERRIDE_MODES } from './store.js';

/**
 * Admin routes for breakers: `GET /admin/v1/breakers` lists this instance's breakers (and,
 * with a cluster, every instance's published states), and `POST
 * /admin/v1/breakers/:name/{open,close,reset}` forces one open, holds it closed or resets
 * it: on every instance through the cluster override when a cluster is given, else here
 * only. Each action is recorded in the audit trail.
 */
export function breakerAdminRoutes(
  registry: BreakerRegistry,
  cluster?: BreakerCluster,
): AdminRoutes {
  return (app, context) => {
    app.get('/admin/v1/breakers', async () => ({
      ...(cluster ? { instance: cluster.instanceId } : {}),
      breakers: registry.list().map(breakerStatus),
      ...(cluster ? { cluster: await cluster.states() } : {}),
    }));

    for (const mode of OVERRIDE_MODES) {
      app.post(`/admin/v1/breakers/:name/${mode}`, async (request) => {
        const { name } = request.params as { name: string };
        if (!BREAKER_NAME.test(name)) {
          throw new BreakwaterError(
            errors.HTTP_VALIDATION,
            `invalid breaker name "${name.slice(0, 140)}"`,
          );
        }
        const breaker = registry.find(name);
        if (cluster) {
          const override = await cluster.override(name, mode, actorOf(request));
          await context.audit(request, `breaker.${mode}`, name, {
            scope: 'cluster',
            version: override.version,
          });
          return {
            breaker: name,
            scope: 'cluster',
            override,
            ...(breaker ? { local: breakerStatus(breaker) } : {}),
          };
        }
        if (!breaker) {
          throw new BreakwaterError(errors.BREAKER_NOT_FOUND, `no circuit breaker named "${name}"`);
        }
        applyOverride(breaker, mode);
        await context.audit(request, `breaker.${mode}`, name, { scope: 'local' });
        return { breaker: name, scope: 'local', local: breakerStatus(breaker) };
      });
    }
  };
}
