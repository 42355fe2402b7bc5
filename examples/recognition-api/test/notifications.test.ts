import { afterAll, beforeAll, expect, it } from 'vitest';
import { cleanupBackends, describeBackends } from '../../../test/support/backends.js';
import { type Outbox, sqlOutbox } from '../src/notify/outbox.js';
import { startWebhookSink, type WebhookSink } from '../src/notify/sink.js';
import {
  type RecognitionNotifications,
  SLACK_CHANNEL,
  slackNotifications,
} from '../src/notify/slack.js';
import { bearer, testApp } from './app-fixture.js';

afterAll(cleanupBackends);

/** Short enough that the test waits it out in real time; config in the service. */
const OPEN_MS = 300;

/**
 * End to end through the real app and a real webhook sink on loopback: a stopped sink opens
 * the `slack` breaker after 5 failures, requests still get 201 and the notifications land in
 * the outbox; the sink back, the half-open probes close it and the relay resends the outbox.
 */
describeBackends('Slack notifications with an outbox', ['sqlite', 'postgres'], (backend) => {
  let fixture: Awaited<ReturnType<typeof testApp>>;
  let sink: WebhookSink;
  let notifications: RecognitionNotifications;
  let outbox: Outbox;

  beforeAll(async () => {
    sink = await startWebhookSink();
    fixture = await testApp({
      url: await backend.url(),
      notifications: (store, pipeline) => {
        outbox = sqlOutbox(store);
        notifications = slackNotifications({
          url: sink.url,
          outbox,
          pipeline,
          openDurationMs: OPEN_MS,
        });
        return notifications;
      },
    });
  });
  afterAll(async () => {
    await fixture?.close();
    await sink?.stop();
  });

  const create = async (message: string) => {
    const response = await fixture.app.inject({
      method: 'POST',
      url: '/v1/recognitions',
      headers: bearer(),
      payload: { to: 'usr_grace', message },
    });
    expect(response.statusCode).toBe(201);
    // The handler hands the recognition over once the response has finished: let its
    // continuation run, then wait for the notification to be sent or queued.
    await new Promise((resolve) => setImmediate(resolve));
    await notifications.drain();
  };
  const breaker = () => notifications.breakers.get(SLACK_CHANNEL);
  const health = async () => {
    const response = await fixture.app.inject({ url: '/health' });
    expect(response.statusCode).toBe(200); // an open breaker degrades, never fails
    const report = response.json() as {
      status: string;
      checks: Record<string, Array<{ status: string; observedValue?: unknown }>>;
    };
    return { status: report.status, slack: report.checks['breaker:slack']?.[0] };
  };

  it('posts to the webhook, then falls back to the outbox while the breaker is open', async () => {
    await create('sink up');
    expect(sink.received).toEqual([{ text: 'Ada Lovelace recognised usr_grace: sink up' }]);
    expect((await health()).slack).toMatchObject({ status: 'pass', observedValue: 'CLOSED' });

    await sink.stop();
    for (let i = 1; i <= 5; i++) {
      expect(breaker().state).toBe('CLOSED');
      await create(`sink down ${i}`);
    }
    expect(breaker().state).toBe('OPEN');
    await create('breaker open');
    const queued = await outbox.pending(SLACK_CHANNEL, 100);
    expect(queued.map((e) => JSON.parse(e.payload).text)).toEqual([
      ...[1, 2, 3, 4, 5].map((i) => `Ada Lovelace recognised usr_grace: sink down ${i}`),
      'Ada Lovelace recognised usr_grace: breaker open',
    ]);
    expect(queued.at(-1)?.reason).toBe('BW_BREAKER_OPEN');
    const degraded = await health();
    expect(degraded.status).toBe('warn');
    expect(degraded.slack).toMatchObject({ status: 'warn', observedValue: 'OPEN' });
    expect(sink.received).toHaveLength(1);
  });

  it('closes after the half-open probes succeed, and the relay empties the outbox', async () => {
    await sink.start();
    await new Promise((resolve) => setTimeout(resolve, OPEN_MS + 50));
    for (let i = 1; i <= 3; i++) {
      await create(`probe ${i}`);
      expect(breaker().state).toBe(i < 3 ? 'HALF_OPEN' : 'CLOSED');
    }
    expect((await health()).slack).toMatchObject({ status: 'pass', observedValue: 'CLOSED' });
    expect(sink.received).toHaveLength(4);

    expect(await notifications.relay()).toBe(6);
    expect(await outbox.pending(SLACK_CHANNEL, 100)).toEqual([]);
    expect(sink.received.slice(4).map((b) => (b as { text: string }).text)).toContain(
      'Ada Lovelace recognised usr_grace: breaker open',
    );
  });
});
