import type { Pipeline } from '../../../../src/pipeline/index.js';
import type { SqlStore } from '../../../../src/store/types.js';
import { sqlOutbox } from './outbox.js';
import { startWebhookSink } from './sink.js';
import { type RecognitionNotifications, slackNotifications } from './slack.js';

/** How often `npm start` resends what the outbox holds. */
export const DEFAULT_OUTBOX_RELAY_MS = 30_000;

export interface StartNotificationsOptions {
  store: SqlStore;
  pipeline: Pipeline;
  /** SLACK_WEBHOOK_URL; none: a local sink on 127.0.0.1 takes the posts. */
  webhookUrl: string | undefined;
  openDurationMs?: number | undefined;
  relayIntervalMs?: number;
}

/**
 * The service's notification wiring for `main.ts`: the Slack notifier over the outbox table,
 * a local sink when no webhook is configured, and a periodic outbox relay. Everything stops
 * with the pipeline (the sink and the relay after in-flight notifications drained).
 */
export async function startNotifications(options: StartNotificationsOptions): Promise<{
  notifications: RecognitionNotifications;
  /** The local sink's URL, when one was started. */
  sinkUrl: string | undefined;
}> {
  const { pipeline } = options;
  const sink =
    options.webhookUrl === undefined
      ? await startWebhookSink(0, (body) => pipeline.logger.info({ body }, 'webhook sink: post'))
      : undefined;
  const notifications = slackNotifications({
    url: options.webhookUrl ?? (sink as { url: string }).url,
    outbox: sqlOutbox(options.store),
    pipeline,
    openDurationMs: options.openDurationMs,
  });
  const relay = setInterval(() => {
    notifications.relay().catch((error: unknown) => {
      pipeline.logger.warn({ err: error }, 'outbox relay failed; it runs again later');
    });
  }, options.relayIntervalMs ?? DEFAULT_OUTBOX_RELAY_MS);
  relay.unref();
  pipeline.onClose(async () => {
    clearInterval(relay);
    await notifications.drain();
    await sink?.stop();
  });
  return { notifications, sinkUrl: sink?.url };
}
