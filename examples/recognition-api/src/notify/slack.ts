import type { Pipeline } from '../../../../src/pipeline/index.js';
import type { FallbackReason } from '../../../../src/resilience/fallback.js';
import { addBreakerChecks } from '../../../../src/resilience/health.js';
import { BreakerRegistry } from '../../../../src/resilience/registry.js';
import { createWebhookNotifier, type NotifyResult } from '../../../../src/resilience/webhook.js';
import type { Recognition } from '../recognition.js';
import type { Outbox } from './outbox.js';

/** The breaker's name, so `/health` shows `breaker:slack`. */
export const SLACK_CHANNEL = 'slack';
/** Undelivered notifications resent per relay pass. */
export const DEFAULT_RELAY_BATCH = 50;

export interface SlackNotificationsOptions {
  /** The Slack-style incoming webhook URL. */
  url: string;
  outbox: Outbox;
  /** Health checks (`breaker:slack`), request logger and trace context. */
  pipeline: Pipeline;
  /** How long the breaker stays open; default the `slack` preset's (30 s). */
  openDurationMs?: number | undefined;
}

/** What the service does with a new recognition: tell Slack, or keep it in the outbox. */
export interface RecognitionNotifications {
  /** Posts in the background: the request that created the recognition does not wait. */
  notify(recognition: Recognition): void;
  /** Resolves when every notification in flight has been sent or queued. */
  drain(): Promise<void>;
  /** Resends undelivered outbox entries while Slack takes them; answers how many were sent. */
  relay(limit?: number): Promise<number>;
  readonly breakers: BreakerRegistry;
}

/** The Slack message for a recognition. */
export function slackMessage(recognition: Recognition): { text: string } {
  return {
    text: `${recognition.fromName} recognised ${recognition.toUserId}: ${recognition.message}`,
  };
}

/**
 * Recognition notifications through the `slack` breaker preset (5 consecutive failures open
 * it), with a fallback that records every undeliverable one in the outbox table. While the
 * breaker is open a notification costs no network call.
 */
export function slackNotifications(options: SlackNotificationsOptions): RecognitionNotifications {
  const { outbox, pipeline } = options;
  const breakers = new BreakerRegistry();
  addBreakerChecks(pipeline, breakers);
  const webhook = createWebhookNotifier<{ text: string }>({
    url: options.url,
    policies: {
      preset: 'slack',
      breaker: SLACK_CHANNEL,
      ...(options.openDurationMs === undefined
        ? {}
        : { breakerOptions: { openDurationMs: options.openDurationMs } }),
    },
    outbox: (payload, reason) => outbox.add(SLACK_CHANNEL, JSON.stringify(payload), why(reason)),
    clientOptions: { registry: breakers, pipeline },
  });
  const inFlight = new Set<Promise<unknown>>();

  const send = async (payload: { text: string }): Promise<NotifyResult | undefined> => {
    try {
      return await webhook.notify(payload);
    } catch (error) {
      // The outbox itself failed (the store is down): the notification is lost, say so.
      pipeline.logger.error({ err: error }, 'slack notification lost: the outbox failed');
      return undefined;
    }
  };

  return {
    breakers,
    notify(recognition) {
      const pending = send(slackMessage(recognition));
      inFlight.add(pending);
      void pending.finally(() => inFlight.delete(pending));
    },
    async drain() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async relay(limit = DEFAULT_RELAY_BATCH) {
      let sent = 0;
      for (const entry of await outbox.pending(SLACK_CHANNEL, limit)) {
        const breaker = breakers.get(SLACK_CHANNEL);
        if (breaker.state !== 'CLOSED' && breaker.state !== 'DISABLED') break;
        const status = await webhook.client
          .fetch(options.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: entry.payload,
          })
          .then(async (response) => {
            await response.body?.cancel();
            return response.status;
          })
          .catch(() => 0); // still down, or the breaker opened: the entry stays
        if (status < 200 || status >= 400) break;
        await outbox.markDelivered(entry.id);
        sent++;
      }
      return sent;
    },
  };
}

/** One line for the outbox's `reason` column. */
function why(reason: FallbackReason): string {
  if ('value' in reason) {
    const status = (reason.value as { status?: unknown } | null)?.status;
    return `upstream answered ${String(status ?? 'a failure')}`;
  }
  const error = reason.error as { code?: unknown; message?: unknown } | null;
  return String(error?.code ?? error?.message ?? error);
}
