import { type DirectScript, directScript } from '../store/redis-script.js';
import type { RedisStore } from '../store/types.js';
import { type CounterState, roll } from './algorithm.js';
import { ALGORITHM } from './definition.js';
import {
  CALENDAR_BATCH_LUA,
  CALENDAR_LUA,
  calendarOutcome,
  isCalendarStep,
  pushCalendarArgs,
} from './redis-calendar.js';
import { redisQuotaRecords } from './redis-records.js';
import {
  CONSUME_BATCH_LUA,
  CONSUME_FLAGS,
  CONSUME_LUA,
  HISTORY_LUA,
  REFUND_LUA,
  redisKeys,
} from './redis-scripts.js';
import type { ConsumeOutcome, ItemOutcome, QuotaItem, QuotaStore } from './store.js';
import { stateTtlMs } from './store.js';

type Reply = Array<string | number>;

/** The commands this store defines on the shared ioredis client (keys prefixed by it). */
interface ScriptedRedis {
  bwQuotaRefund(args: Array<string | number>): Promise<number>;
  bwQuotaHistory(args: Array<string | number>): Promise<number>;
}

/**
 * One EVALSHA's arguments: numkeys, KEYS (state key, override hash when read; whole keys,
 * `prefix` included), ARGV.
 */
function consumeArgs(prefix: string, items: QuotaItem[], now: number): Array<string | number> {
  const args: Array<string | number> = [0];
  for (const item of items) {
    args.push(prefix + redisKeys.state(item.quota, item.subject));
    if (item.limit === undefined) args.push(prefix + redisKeys.overrides(item.organization));
  }
  args[0] = args.length - 1;
  for (const item of items) {
    const q = item.quota;
    const limit = item.limit ?? q.limit;
    let head = q.code * 8 + (q.enforcement === 'hard' ? CONSUME_FLAGS.hard : 0);
    if (item.mode === 'set') head += CONSUME_FLAGS.set;
    if (item.limit === undefined) head += CONSUME_FLAGS.readLimit;
    args.push(head, item.weight, limit, stateTtlMs(item, now, limit));
    switch (q.code) {
      case ALGORITHM.calendar:
        args.push(item.windowStart);
        break;
      case ALGORITHM.sliding:
        args.push(now, q.windowMs);
        break;
      case ALGORITHM.tokenBucket:
        args.push(now, q.windowMs, q.burst ?? 0);
        break;
      case ALGORITHM.concurrency:
        args.push(now, item.leaseExpiresAt ?? now, item.leaseId ?? '');
        break;
    }
    if (item.limit === undefined) args.push(q.name);
  }
  return args;
}

/** A consume step waiting for the next batch: its items and who awaits the outcome. */
interface Pending {
  items: QuotaItem[];
  now: number;
  resolve: (outcome: ConsumeOutcome) => void;
  reject: (error: unknown) => void;
}

/** Most steps in one EVALSHA: Redis runs nothing else while a script runs. */
export const MAX_BATCH_STEPS = 128;

/** CONSUME_BATCH_LUA's arguments for `batch`: all KEYS, then the steps' counts and ARGV. */
function batchArgs(prefix: string, batch: readonly Pending[]): Array<string | number> {
  const keys: Array<string | number> = [];
  const argv: Array<string | number> = [batch.length];
  for (const step of batch) {
    const args = consumeArgs(prefix, step.items, step.now);
    const keyCount = args[0] as number;
    for (let i = 1; i <= keyCount; i++) keys.push(args[i] as string);
    argv.push(keyCount, args.length - 1 - keyCount);
    for (let i = 1 + keyCount; i < args.length; i++) argv.push(args[i] as string | number);
  }
  return [keys.length, ...keys, ...argv];
}

/**
 * Settles a step with its reply: an outcome (read by `read`), or the error Redis gave for
 * that step alone.
 */
function settle(
  step: Pending,
  reply: Reply | string | undefined,
  read: (step: Pending, reply: Reply) => ConsumeOutcome,
): void {
  try {
    if (!Array.isArray(reply)) throw new Error(`quota step failed in Redis: ${String(reply)}`);
    step.resolve(read(step, reply));
  } catch (error) {
    step.reject(error);
  }
}

const general = (_step: Pending, reply: Reply): ConsumeOutcome => outcomeOf(reply);
const calendar = (step: Pending, reply: Reply): ConsumeOutcome =>
  calendarOutcome(step.items[0] as QuotaItem, reply);

/** CALENDAR_BATCH_LUA's arguments for `batch` (every step a calendar step). */
function calendarBatchArgs(prefix: string, batch: readonly Pending[]): Array<string | number> {
  const keys: Array<string | number> = [batch.length];
  const argv: Array<string | number> = [];
  for (const step of batch)
    pushCalendarArgs(prefix, step.items[0] as QuotaItem, step.now, keys, argv);
  return keys.concat(argv);
}

/** The script's reply: six numbers for one item; else `admitted`, then six per item. */
function outcomeOf(reply: Reply): ConsumeOutcome {
  const single = reply.length === 6;
  const n = single ? 1 : (reply.length - 1) / 6;
  const items: ItemOutcome[] = new Array(n);
  for (let i = 0, at = single ? 0 : 1; i < n; i++, at += 6) {
    items[i] = {
      fits: reply[at] !== 0,
      limit: Number(reply[at + 1]),
      state: {
        start: Number(reply[at + 2]),
        used: Number(reply[at + 3]),
        prev: Number(reply[at + 4]),
      },
      before: Number(reply[at + 5]),
    };
  }
  return { admitted: single ? reply[0] !== 0 : reply[0] === 1, items };
}

/**
 * Quotas in Redis: each consume step runs in one script call over the state key of every
 * quota the request touches (steps issued in the same tick share the call, each still its
 * own atomic step), so all quotas are checked and consumed in one atomic step; an
 * organization's override hash is read in the same script only when the caller does not
 * know the limit. Keys expire after their window. Daily history is written in batches
 * (addHistory), not per step. (Redis Cluster: the keys of one request would have to share a
 * slot; not supported.)
 */
export function redisQuotaStore(store: RedisStore): QuotaStore {
  const redis = store.redis;
  // the hot path goes straight to the socket; the rest through ioredis's scripts
  const consumeOne: DirectScript<Reply> = directScript(redis, CONSUME_LUA);
  const consumeBatch: DirectScript<Array<Reply | string>> = directScript(redis, CONSUME_BATCH_LUA);
  const calendarOne: DirectScript<Reply> = directScript(redis, CALENDAR_LUA);
  const calendarBatch: DirectScript<Array<Reply | string>> = directScript(
    redis,
    CALENDAR_BATCH_LUA,
  );
  redis.defineCommand('bwQuotaRefund', { lua: REFUND_LUA });
  redis.defineCommand('bwQuotaHistory', { lua: HISTORY_LUA });
  // ioredis connects its lazily connected client on the first command (and holds commands
  // until it is up), so nothing here waits for connect(): a step that did went out alone,
  // one write behind the rest, and a closed-loop caller stayed out of step for good
  const scripted = redis as unknown as ScriptedRedis;
  /**
   * Steps issued in the same tick go out as one EVALSHA (CONSUME_BATCH_LUA) instead of one
   * each: under concurrency the client's cost per command is shared by every step in it,
   * and each step stays atomic and all-or-nothing on its own. A lone step (the usual case
   * at low load) uses CONSUME_LUA; nothing waits longer than the current tick. Steps of one
   * calendar quota with a known limit (the common check) take the lean CALENDAR_LUA, alone
   * or, when every step of the batch is one, CALENDAR_BATCH_LUA.
   */
  let queue: Pending[] = [];
  const flush = (): void => {
    const waiting = queue;
    queue = [];
    for (let from = 0; from < waiting.length; from += MAX_BATCH_STEPS) {
      const batch = waiting.slice(from, from + MAX_BATCH_STEPS);
      const failed = (error: unknown) => {
        for (const step of batch) step.reject(error);
      };
      // runs on its own tick: whatever goes wrong must reach the steps, not the process
      try {
        if (batch.length === 1) {
          const step = batch[0] as Pending;
          if (isCalendarStep(step.items)) {
            const args: Array<string | number> = [1];
            pushCalendarArgs(store.prefix, step.items[0] as QuotaItem, step.now, args, args);
            calendarOne(args).then((reply) => settle(step, reply, calendar), failed);
          } else {
            consumeOne(consumeArgs(store.prefix, step.items, step.now)).then(
              (reply) => settle(step, reply, general),
              failed,
            );
          }
        } else if (batch.every((step) => isCalendarStep(step.items))) {
          calendarBatch(calendarBatchArgs(store.prefix, batch)).then((replies) => {
            for (let i = 0; i < batch.length; i++) {
              settle(batch[i] as Pending, replies[i], calendar);
            }
          }, failed);
        } else {
          consumeBatch(batchArgs(store.prefix, batch)).then((replies) => {
            for (let i = 0; i < batch.length; i++) {
              settle(batch[i] as Pending, replies[i], general);
            }
          }, failed);
        }
      } catch (error) {
        failed(error);
      }
    }
  };

  return {
    kind: 'redis',
    ...redisQuotaRecords(store),
    consume: (items, now) =>
      new Promise((resolve, reject) => {
        if (queue.length === 0) process.nextTick(flush);
        queue.push({ items, now, resolve, reject });
      }),
    refund: async (items, now) => {
      const args: Array<string | number> = [items.length];
      for (const item of items) args.push(redisKeys.state(item.quota, item.subject));
      args.push(now, items.length);
      for (const item of items) {
        args.push(
          item.quota.code,
          item.weight,
          item.start,
          item.quota.windowMs,
          item.limit,
          item.leaseId ?? '',
        );
      }
      await scripted.bwQuotaRefund(args);
    },
    addHistory: async (rows) => {
      const args: Array<string | number> = [rows.length];
      for (const row of rows) args.push(redisKeys.history(row.organization, row.day));
      for (const row of rows) args.push(row.quota, row.used, row.refused, row.overage);
      await scripted.bwQuotaHistory(args);
    },
    peek: async (items, now) => {
      const pipeline = redis.pipeline();
      for (const item of items) {
        const key = redisKeys.state(item.quota, item.subject);
        if (item.quota.code === ALGORITHM.concurrency) pipeline.zcount(key, `(${now}`, '+inf');
        else pipeline.hmget(key, 's', 'u', 'p');
        pipeline.hget(redisKeys.overrides(item.organization), item.quota.name);
      }
      const replies = (await pipeline.exec()) ?? [];
      return items.map((item, i) => {
        const [stateError, stored] = replies[2 * i] ?? [];
        const [limitError, override] = replies[2 * i + 1] ?? [];
        if (stateError) throw stateError;
        if (limitError) throw limitError;
        const limit = override == null ? item.quota.limit : Number(override);
        let state: CounterState;
        if (item.quota.code === ALGORITHM.concurrency)
          state = { start: 0, used: Number(stored), prev: 0 };
        else {
          const [s, u, p] = stored as Array<string | null>;
          state = { start: Number(s ?? 0), used: Number(u ?? 0), prev: Number(p ?? 0) };
        }
        state = roll(item.quota, state, limit, now, item.windowStart);
        return { limit, state, before: state.used, fits: true };
      });
    },
  };
}
