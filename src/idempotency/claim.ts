import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { Scope } from './fingerprint.js';
import type { IdempotencyMetrics } from './metrics.js';
import type { ResolvedRouteOptions } from './options.js';
import { isPromiseLike } from './record.js';
import {
  type IdempotentResponse,
  type ResponseToSend,
  serializeResponse,
  toStored,
} from './response.js';
import { type IdempotencyStore, isTransactional } from './store.js';

/** Where a claim ended: its response stored, the key released, or fenced out by a newer claim. */
export type ClaimState = 'held' | 'completed' | 'released' | 'stale' | 'failed';

interface ClaimContext {
  store: IdempotencyStore;
  scope: Scope;
  token: string;
  route: ResolvedRouteOptions;
  routeLabel: string;
  metrics: IdempotencyMetrics;
  now: () => number;
}

/** Raised inside transactional work to roll back a response that must not be stored (5xx). */
class NotStored extends Error {
  constructor(readonly response: ResponseToSend) {
    super('response not stored');
  }
}

/**
 * The lease a request holds on its key. Exactly one of `finish`, `release` or `transaction`
 * ends it; later calls do nothing. Store failures are counted and swallowed here: the
 * handler already ran, so the lease simply runs out and a retry runs again.
 */
export class Claim {
  state: ClaimState = 'held';

  constructor(private readonly ctx: ClaimContext) {}

  get key(): string {
    return this.ctx.scope.key;
  }

  /** Stores the response (when `storeStatus` allows) or releases the key. */
  async finish(response: ResponseToSend): Promise<ClaimState> {
    if (this.state !== 'held') return this.state;
    const { store, scope, token, route, now } = this.ctx;
    if (!route.storeStatus(response.status)) return this.release();
    this.state = 'failed';
    try {
      const stored = toStored(response, route.headers);
      const done = await store.complete(scope, token, stored, route.ttlMs, now());
      this.state = done ? 'completed' : 'stale';
      if (!done)
        this.ctx.metrics.conflicts.inc({ route: this.ctx.routeLabel, reason: 'lease_lost' });
    } catch {
      this.ctx.metrics.storeErrors.inc({ operation: 'complete' });
    }
    return this.state;
  }

  /** Frees the key so the next retry runs the handler again. */
  async release(): Promise<ClaimState> {
    if (this.state !== 'held') return this.state;
    this.state = 'failed';
    try {
      this.state = (await this.ctx.store.release(this.ctx.scope, this.ctx.token))
        ? 'released'
        : 'stale';
    } catch {
      this.ctx.metrics.storeErrors.inc({ operation: 'release' });
    }
    return this.state;
  }

  /**
   * Runs `work` in the store's transaction and commits the completed key with it. A response
   * that `storeStatus` refuses (5xx) rolls the transaction back and releases the key; work
   * that throws does the same and rethrows. A lost lease rolls back and throws
   * BW_IDEMPOTENCY_LEASE_LOST. SQLite work must be synchronous.
   */
  async transaction<Tx>(
    work: (tx: Tx) => IdempotentResponse | Promise<IdempotentResponse>,
  ): Promise<ResponseToSend> {
    const { store, scope, token, route, now } = this.ctx;
    if (this.state !== 'held') throw new Error(`idempotency claim already ${this.state}`);
    if (!isTransactional(store)) throw unsupported(store.kind);
    let sent: ResponseToSend | undefined;
    const finish = (out: IdempotentResponse) => {
      sent = serializeResponse(out);
      if (!route.storeStatus(sent.status)) throw new NotStored(sent);
      return toStored(sent, route.headers);
    };
    try {
      const stored = await store.completeWithin(scope, token, route.ttlMs, now, (tx) => {
        const out = work(tx as Tx);
        return isPromiseLike(out) ? Promise.resolve(out).then(finish) : finish(out);
      });
      if (stored === undefined) {
        this.state = 'stale';
        this.ctx.metrics.conflicts.inc({ route: this.ctx.routeLabel, reason: 'lease_lost' });
        throw new BreakwaterError(
          errors.IDEMPOTENCY_LEASE_LOST,
          'The lease on this Idempotency-Key ran out and another request took it; nothing was committed.',
          { headers: { 'retry-after': '1' } },
        );
      }
      this.state = 'completed';
      return sent as ResponseToSend;
    } catch (error) {
      if (this.state === 'held') await this.release();
      if (error instanceof NotStored) return error.response;
      throw error;
    }
  }
}

export function unsupported(kind: string): BreakwaterError {
  return new BreakwaterError(
    errors.STORE_UNSUPPORTED,
    `idempotency transactional mode needs the SQLite or PostgreSQL store, not ${kind}`,
  );
}
