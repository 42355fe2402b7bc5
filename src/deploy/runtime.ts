import { createAuditLog } from '../admin/audit.js';
import { type AdminServer, createAdminServer } from '../admin/server.js';
import { resolveAdminToken } from '../admin/token.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { migrateBreakwater } from '../migrate/own.js';
import { createRouter, type Router } from '../router/router.js';
import { openStore } from '../store/open.js';
import { deployAdminRoutes } from './admin-routes.js';
import { writeAdminTokenFile } from './admin-token-file.js';
import { DeployController } from './controller.js';
import { openDeployStore } from './open-store.js';
import type { LineSink } from './output.js';

/** A running Breakwater: router, admin API, controller. */
/** Environment variable that tells a spawned instance the router's public URL. */
export const PUBLIC_URL_ENV = 'BREAKWATER_PUBLIC_URL';

export interface Breakwater {
  routerUrl: string;
  adminUrl: string;
  token: string;
  /** Where a generated token was written, if it was generated. */
  tokenFile: string | undefined;
  controller: DeployController;
  /** Stops accepting, drains in-flight requests, stops every instance, closes the store. */
  close(): Promise<void>;
}

/**
 * `breakwater up` without the CLI: opens the store and applies Breakwater's own
 * migrations, listens with the router (answering 503 until the active version is healthy),
 * restores the deploy state and starts the active version, then starts the admin API.
 */
export async function startBreakwater(
  config: ResolvedConfig,
  options: { sink: LineSink; env?: NodeJS.ProcessEnv },
): Promise<Breakwater> {
  const store = openStore(config.storeUrl, { cwd: config.root });
  if (store.kind === 'redis') {
    await store.close();
    throw new BreakwaterError(
      errors.CONFIG_INVALID,
      'store: deploy state needs a SQL store (sqlite: or postgres://)',
    );
  }
  let router: Router | undefined;
  let controller: DeployController | undefined;
  let admin: AdminServer | undefined;
  // Order matters: no new admin calls, no new requests and in-flight ones drained, then
  // the instances stopped, then the store closed.
  const cleanup = async () => {
    await admin?.close().catch(() => {});
    await router?.close(config.deploy.drainTimeoutMs).catch(() => {});
    await controller?.stop().catch(() => {});
    await store.close().catch(() => {});
  };
  try {
    await migrateBreakwater(store);
    const resolved =
      config.admin.token === undefined
        ? resolveAdminToken(options.env ?? process.env)
        : { token: config.admin.token, generated: false };
    const tokenFile = resolved.generated
      ? writeAdminTokenFile(config.stateDir, resolved.token)
      : undefined;

    router = createRouter({
      requestTimeoutMs: config.router.requestTimeoutMs,
      bodyLimitBytes: config.router.bodyLimitBytes,
    });
    const routerUrl = await router.listen({ host: config.router.host, port: config.router.port });
    // Instances learn the address clients use, so they can print it instead of their own.
    const appEnv = { ...config.app.env, [PUBLIC_URL_ENV]: routerUrl };
    controller = new DeployController({
      config: { ...config, app: { ...config.app, env: appEnv } },
      store,
      deployStore: openDeployStore(store, config.service),
      router,
      sink: options.sink,
    });
    await controller.start();
    admin = await createAdminServer({
      token: resolved.token,
      auditLog: createAuditLog(store),
      routes: [deployAdminRoutes(controller)],
    });
    const adminUrl = await admin.listen({ host: config.admin.host, port: config.admin.port });

    let closing: Promise<void> | undefined;
    return {
      routerUrl,
      adminUrl,
      token: resolved.token,
      tokenFile,
      controller,
      close: () => {
        closing ??= cleanup();
        return closing;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
