import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type BreakerTransition,
  createWebhookNotifier,
  isBrokenCircuitError,
  type NotifyResult,
} from '../../src/resilience/index.js';
import { openStore } from '../../src/store/open.js';
import type { SqliteStore } from '../../src/store/types.js';
import { type Sink, startSink } from '../fixtures/resilience/sink.js';
import { cleanupBackends, tempDir } from '../support/backends.js';

afterAll(cleanupBackends);

const OPEN_MS = 300;

describe('end to end: webhook through the slack preset with an outbox fallback', () => {
  it('opens after 5 failures, answers from the outbox while open, closes after the half-open successes', async () => {
    const store = openStore(`sqlite:${path.join(tempDir(), 'outbox.db')}`) as SqliteStore;
    store.db.exec(
      'CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, payload TEXT NOT NULL, reason TEXT NOT NULL)',
    );
    const outboxRows = () =>
      store.db.prepare('SELECT payload, reason FROM outbox ORDER BY id').all() as Array<{
        payload: string;
        reason: string;
      }>;
    let sink: Sink = await startSink();
    const notifier = createWebhookNotifier<{ text: string }>({
      url: `${sink.url}/hooks/T000/B000`,
      policies: { preset: 'slack', breakerOptions: { openDurationMs: OPEN_MS } },
      outbox: (payload, reason) => {
        const why = 'error' in reason ? reason.error : reason.value;
        const code = (why as { code?: string }).code ?? (why as Error).message;
        store.db
          .prepare('INSERT INTO outbox (payload, reason) VALUES (?, ?)')
          .run(JSON.stringify(payload), String(code));
      },
    });
    const moves: string[] = [];
    try {
      const first = await notifier.notify({ text: 'recognition 1' });
      expect(first).toEqual({ outcome: 'sent', status: 200 });
      expect(sink.received[0]).toMatchObject({
        method: 'POST',
        url: '/hooks/T000/B000',
        body: '{"text":"recognition 1"}',
      });
      const breaker = notifier.client.breakerFor(sink.url);
      expect(breaker?.options).toMatchObject({ consecutiveFailures: 5, openDurationMs: OPEN_MS });
      breaker?.onStateChange((e: BreakerTransition) => moves.push(`${e.from}>${e.to}:${e.reason}`));

      // the sink goes away: five failures, each lands in the outbox, then the breaker opens
      const port = sink.port;
      await sink.stop();
      const failed: NotifyResult[] = [];
      for (let i = 2; i <= 6; i++) failed.push(await notifier.notify({ text: `recognition ${i}` }));
      expect(failed.every((r) => r.outcome === 'queued')).toBe(true);
      expect(breaker?.state).toBe('OPEN');
      expect(moves).toEqual(['CLOSED>OPEN:consecutive-failures']);

      // while open: straight to the outbox, no network call
      const whileOpen = await notifier.notify({ text: 'recognition 7' });
      expect(whileOpen.outcome).toBe('queued');
      expect(isBrokenCircuitError((whileOpen as { reason: { error: unknown } }).reason.error)).toBe(
        true,
      );
      expect(breaker?.stats.rejections).toBe(1);
      const rows = outboxRows();
      expect(rows.map((r) => JSON.parse(r.payload).text)).toEqual([
        'recognition 2',
        'recognition 3',
        'recognition 4',
        'recognition 5',
        'recognition 6',
        'recognition 7',
      ]);
      expect(rows.at(-1)?.reason).toBe('BW_BREAKER_OPEN');
      expect(rows[0]?.reason).not.toBe('BW_BREAKER_OPEN');

      // the sink is back: after the open duration, three successful probes close the breaker
      sink = await startSink(undefined, port);
      while ((breaker?.retryAfterMs() ?? 0) > 0) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      for (let i = 8; i <= 10; i++) {
        expect(await notifier.notify({ text: `recognition ${i}` })).toEqual({
          outcome: 'sent',
          status: 200,
        });
      }
      expect(breaker?.state).toBe('CLOSED');
      expect(moves).toEqual([
        'CLOSED>OPEN:consecutive-failures',
        'OPEN>HALF_OPEN:open-elapsed',
        'HALF_OPEN>CLOSED:probes-succeeded',
      ]);
      expect(sink.received.map((r) => JSON.parse(r.body).text)).toEqual([
        'recognition 8',
        'recognition 9',
        'recognition 10',
      ]);
      expect(outboxRows()).toHaveLength(6);
    } finally {
      await sink.stop();
      await store.close();
    }
  });

  it('does not queue what the webhook refuses for good (4xx)', async () => {
    const sink = await startSink((_n, _r, response) => response.writeHead(404).end('no such hook'));
    const queued: unknown[] = [];
    const notifier = createWebhookNotifier({
      url: `${sink.url}/hooks/gone`,
      outbox: (payload) => queued.push(payload),
    });
    try {
      expect(await notifier.notify({ text: 'x' })).toEqual({ outcome: 'rejected', status: 404 });
      expect(queued).toEqual([]);
      expect(notifier.client.breakerFor(sink.url)?.stats.successes).toBe(1);
    } finally {
      await sink.stop();
    }
  });
});
