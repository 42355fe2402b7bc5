import { count, named, pgJob, type Queryable } from './postgres-query.js';
import { byClaimOrder, LEASE_LAPSED } from './row.js';
import type { JobStore } from './store.js';

/** The store operations a worker makes about the jobs it holds. */
export type LeaseOperations = Pick<
  JobStore,
  'claim' | 'heartbeat' | 'complete' | 'fail' | 'release' | 'progress' | 'reap'
>;

/**
 * A worker's operations on `pool`. Claims always go to `claims` (the store's pool, committed
 * synchronously: a claim's token must survive a database crash for fencing to hold); the
 * rest may go to a pool that commits asynchronously (see `asyncCommit`).
 */
export function leaseOperations(claims: Queryable, pool: Queryable): LeaseOperations {
  return {
    claim: async (r) => {
      const values = [r.queues, r.names, r.now, r.limit, r.workerId, r.now + r.leaseMs];
      const { rows } = await claims.query(named('claim', values));
      return rows.map(pgJob).sort(byClaimOrder);
    },
    heartbeat: async (workerId, now, leaseMs) => {
      const { rows } = await pool.query(named('heartbeat', [workerId, now + leaseMs]));
      return (rows as Array<{ id: string; lease_token: string }>).map((row) => ({
        id: String(row.id),
        token: Number(row.lease_token),
      }));
    },
    complete: async (items, remove = false) => {
      if (items.length === 0) return new Set();
      // Results are JSON text already: spliced in, not parsed and serialised again.
      const entries = items.map((i) => `"${i.id}":[${i.token},${i.result},${i.finishedAt}]`);
      const values = [items.map((i) => i.id), `{${entries.join(',')}}`];
      const { rows } = await pool.query(named(remove ? 'completeRemove' : 'complete', values));
      return new Set((rows as Array<{ id: string }>).map((row) => String(row.id)));
    },
    fail: async (item) => {
      const dead = item.next.state === 'dead_letter';
      const runAt = item.next.state === 'retrying' ? item.next.runAt : null;
      const values = [item.id, item.token, item.next.state, runAt, item.lastError];
      values.push(item.finishedAt, dead ? item.finishedAt : null, item.error);
      return count(await pool.query(named('fail', values))) === 1;
    },
    release: async (holds, now) => {
      if (holds.length === 0) return 0;
      const values = [holds.map((h) => h.id), holds.map((h) => h.token), now];
      return count(await pool.query(named('release', values)));
    },
    progress: async (hold, value, now) =>
      (await pool.query(named('progress', [hold.id, hold.token, value, now]))).rowCount === 1,
    reap: async (now, limit) => count(await pool.query(named('reap', [now, limit, LEASE_LAPSED]))),
  };
}
