import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { LiveProgress } from './progress.js';
import type { StatusView } from './status.js';
import type { DeployRecord } from './store.js';

export type DeployView = DeployRecord & { live?: LiveProgress };

/** An answer the admin API refused, with its problem code and HTTP status. */
export class AdminRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The CLI's view of a running router's admin API. */
export interface AdminClient {
  status(): Promise<StatusView>;
  history(limit?: number): Promise<DeployRecord[]>;
  get(id: number): Promise<DeployView>;
  deploy(body: DeployBody): Promise<number>;
  rollback(): Promise<DeployView>;
  abort(): Promise<DeployView>;
  pause(): Promise<DeployView>;
  resume(): Promise<DeployView>;
  promote(): Promise<DeployView>;
}

/** The body of `POST /admin/v1/deploys`. */
export interface DeployBody {
  command?: string | string[];
  label?: string;
  strategy?: string;
  steps?: string;
  interval?: string;
  emergency?: boolean;
}

/** A client for the deploy admin routes; `actor` is recorded with every action. */
export function createAdminClient(options: {
  url: string;
  token: string;
  actor: string;
}): AdminClient {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(new URL(path, options.url), {
        method,
        headers: {
          authorization: `Bearer ${options.token}`,
          'x-breakwater-actor': options.actor,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const cause =
        (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new BreakwaterError(
        errors.DEPLOY_ADMIN_UNREACHABLE,
        `cannot reach the router's admin API at ${options.url} (${cause}); is breakwater up running?`,
      );
    }
    const text = await response.text();
    const parsed = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
    if (!response.ok) {
      const detail = String(parsed?.detail ?? response.statusText);
      throw new AdminRefusal(
        response.status,
        String(parsed?.code ?? `HTTP_${response.status}`),
        detail,
      );
    }
    return parsed as T;
  };
  return {
    status: () => call<StatusView>('GET', '/admin/v1/status'),
    history: async (limit) =>
      (
        await call<{ deploys: DeployRecord[] }>(
          'GET',
          `/admin/v1/deploys${limit ? `?limit=${limit}` : ''}`,
        )
      ).deploys,
    get: (id) => call<DeployView>('GET', `/admin/v1/deploys/${id}`),
    deploy: async (body) => (await call<{ id: number }>('POST', '/admin/v1/deploys', body)).id,
    rollback: async () =>
      (await call<{ deploy: DeployView }>('POST', '/admin/v1/rollback', {})).deploy,
    abort: async () =>
      (await call<{ deploy: DeployView }>('POST', '/admin/v1/deploys/abort', {})).deploy,
    pause: async () =>
      (await call<{ deploy: DeployView }>('POST', '/admin/v1/deploys/pause', {})).deploy,
    resume: async () =>
      (await call<{ deploy: DeployView }>('POST', '/admin/v1/deploys/resume', {})).deploy,
    promote: async () =>
      (await call<{ deploy: DeployView }>('POST', '/admin/v1/deploys/promote', {})).deploy,
  };
}
