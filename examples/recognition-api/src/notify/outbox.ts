import { randomUUID } from 'node:crypto';
import type { SqlStore } from '../../../../src/store/types.js';

/** One notification waiting in the outbox. */
export interface OutboxEntry {
  id: string;
  /** Where it was going, e.g. `slack`. */
  channel: string;
  /** The JSON body that was to be posted. */
  payload: string;
  reason: string;
  createdAt: string;
}

/** The outbox table in the service's own words. */
export interface Outbox {
  add(channel: string, payload: string, reason: string): Promise<void>;
  /** Undelivered entries of a channel, oldest first. */
  pending(channel: string, limit: number): Promise<OutboxEntry[]>;
  markDelivered(id: string): Promise<void>;
}

interface OutboxRow {
  id: string;
  channel: string;
  payload: string;
  reason: string;
  created_at: string;
}

/**
 * The outbox on the service's SQL store (migration 0002_outbox). Statements are written with
 * `?` and numbered for PostgreSQL; each call is one statement.
 */
export function sqlOutbox(store: SqlStore, now: () => Date = () => new Date()): Outbox {
  const run = async <R>(text: string, params: unknown[]): Promise<R[]> => {
    if (store.kind === 'sqlite') {
      const statement = store.db.prepare(text);
      if (!statement.reader) {
        statement.run(...params);
        return [];
      }
      return statement.all(...params) as R[];
    }
    let n = 0;
    const { rows } = await store.pool.query(
      text.replace(/\?/g, () => `$${++n}`),
      params,
    );
    return rows as R[];
  };
  return {
    add: async (channel, payload, reason) => {
      await run(
        'INSERT INTO outbox (id, channel, payload, reason, created_at) VALUES (?, ?, ?, ?, ?)',
        [randomUUID(), channel, payload, reason, now().toISOString()],
      );
    },
    pending: async (channel, limit) => {
      const rows = await run<OutboxRow>(
        `SELECT id, channel, payload, reason, created_at FROM outbox
         WHERE channel = ? AND delivered_at IS NULL ORDER BY created_at, id LIMIT ?`,
        [channel, limit],
      );
      return rows.map(({ created_at, ...row }) => ({ ...row, createdAt: created_at }));
    },
    markDelivered: async (id) => {
      await run('UPDATE outbox SET delivered_at = ? WHERE id = ?', [now().toISOString(), id]);
    },
  };
}
