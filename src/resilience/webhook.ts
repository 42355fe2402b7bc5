import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { HTTP_CLASSIFIER, statusOf } from './classifier.js';
import { FallbackPolicy, type FallbackReason } from './fallback.js';
import {
  createResilientHttpClient,
  type ResilientHttpClient,
  type ResilientHttpClientOptions,
  type UpstreamPolicies,
} from './http-client.js';
import { neverAborted } from './signal.js';

/** How one notification ended. */
export type NotifyResult =
  /** The upstream answered 2xx/3xx. */
  | { outcome: 'sent'; status: number }
  /** It failed, or the breaker was open: the outbox has it. */
  | { outcome: 'queued'; reason: FallbackReason }
  /** The upstream refused it for good (4xx other than 429): not queued. */
  | { outcome: 'rejected'; status: number };

export interface WebhookNotifierOptions<P> {
  /** The webhook URL (e.g. a Slack incoming webhook). */
  url: string;
  /** The upstream's policies; default `{ preset: 'slack' }` (5 failures, 30 s open). */
  policies?: UpstreamPolicies;
  /** Records what could not be delivered, for a later resend (the outbox). */
  outbox: (payload: P, reason: FallbackReason) => unknown;
  /** The request body; default JSON. */
  body?: (payload: P) => string;
  headers?: Record<string, string>;
  /** The client to send with; default one made from `clientOptions`. */
  client?: ResilientHttpClient;
  clientOptions?: Omit<ResilientHttpClientOptions, 'upstreams'>;
}

export interface WebhookNotifier<P> {
  notify(payload: P, signal?: AbortSignal): Promise<NotifyResult>;
  readonly client: ResilientHttpClient;
}

/**
 * Posts notifications to a webhook through its upstream's policies, with a fallback that
 * hands every undeliverable one (failure, 5xx/429, timeout, open breaker) to `outbox`. While
 * the breaker is open a notification costs no network call: it goes straight to the outbox.
 */
export function createWebhookNotifier<P>(options: WebhookNotifierOptions<P>): WebhookNotifier<P> {
  let origin: string;
  try {
    origin = new URL(options.url).origin;
  } catch {
    throw new BreakwaterError(
      errors.CONFIG_INVALID,
      'webhook notifier: url must be an absolute URL',
    );
  }
  const client =
    options.client ??
    createResilientHttpClient({
      ...options.clientOptions,
      upstreams: { [origin]: options.policies ?? { preset: 'slack' } },
    });
  const body = options.body ?? ((payload: P) => JSON.stringify(payload));
  const headers = { 'content-type': 'application/json', ...options.headers };

  return {
    client,
    notify: async (payload, signal = neverAborted()) => {
      const fallback = new FallbackPolicy<NotifyResult>(
        async (reason) => {
          await options.outbox(payload, reason);
          return { outcome: 'queued', reason };
        },
        { when: HTTP_CLASSIFIER },
      );
      const result = await fallback.execute(async (s) => {
        const response = await client.fetch(options.url, {
          method: 'POST',
          headers,
          body: body(payload),
          signal: s,
        });
        await response.body?.cancel();
        return response;
      }, signal);
      if ('outcome' in result) return result;
      const status = statusOf(result) ?? 0;
      return status >= 400 ? { outcome: 'rejected', status } : { outcome: 'sent', status };
    },
  };
}
