import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { BreakwaterError, hasCode } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { Store } from '../store/types.js';
import type { CircuitBreaker } from './breaker.js';
import type { BreakerTransition } from './breaker-events.js';
import { type Clock, DEFAULT_CLOCK } from './clock.js';
import { breakerClusterStore } from './open.js';
import { openShare, quorumOpen } from './quorum.js';
import { type BreakerRegistry, checkBreakerName } from './registry.js';
import type {
  BreakerClusterStore,
  BreakerOverride,
  OverrideMode,
  PublishedState,
  StateCause,
} from './store.js';

export interface BreakerClusterOptions {
  /** The service's store (or a cluster store made from it); SQL stores need migrateBreakwater. */
  store: Store | BreakerClusterStore;
  registry: BreakerRegistry;
  /** Names this instance; default `<host>:<pid>:<random>`. */
  instanceId?: string;
  /** How often overrides (and, for the open-percent rule, peers' states) are read; default 1 s. */
  pollIntervalMs?: number;
  /** How often the heartbeat and every state are written (also on each transition); default 5 s. */
  publishIntervalMs?: number;
  /** A peer whose heartbeat is older is ignored; default 3 x publishIntervalMs. */
  staleAfterMs?: number;
  /** Peers silent this long are deleted from the store; default 1 h. */
  pruneAfterMs?: number;
  /**
   * Opens a CLOSED local breaker when at least this % of live instances report it OPEN or
   * HALF_OPEN from their own failures; one number for every breaker, or per breaker name.
   */
  openWhenPercentOpen?: number | Readonly<Record<string, number>>;
  /** The open-percent rule needs this many live instances (this one included); default 2. */
  minInstances?: number;
  clock?: Clock;
  /** A failed publish or poll (the next tick tries again). */
  onError?: (error: unknown, during: 'publish' | 'poll') => void;
}

export const DEFAULT_CLUSTER_POLL_INTERVAL_MS = 1_000;
export const DEFAULT_CLUSTER_PUBLISH_INTERVAL_MS = 5_000;
export const DEFAULT_CLUSTER_PRUNE_AFTER_MS = 3_600_000;
export const DEFAULT_CLUSTER_MIN_INSTANCES = 2;

/** A published state with whether its instance is live. */
export interface ClusterStateEntry extends PublishedState {
  live: boolean;
}

export interface BreakerCluster {
  readonly instanceId: string;
  /**
   * Polls and publishes once, then keeps doing so on unref'd timers. Throws only when the
   * tables are missing; a store that is down is reported to `onError` and retried.
   */
  start(): Promise<void>;
  /** Stops the timers; by default also removes this instance's rows. */
  stop(options?: { leave?: boolean }): Promise<void>;
  /** Writes an override for every instance and applies it here at once. */
  override(breaker: string, mode: OverrideMode, actor: string): Promise<BreakerOverride>;
  /** Every published state, marked live or stale. */
  states(): Promise<ClusterStateEntry[]>;
  publish(): Promise<void>;
  poll(): Promise<void>;
}

function causeOf(event: BreakerTransition, previous: StateCause | undefined): StateCause {
  if (event.to === 'FORCED_OPEN' || event.to === 'DISABLED') return 'operator';
  if (event.to === 'OPEN') return event.reason === 'cluster' ? 'cluster' : 'local';
  if (event.to === 'HALF_OPEN') return previous ?? 'local';
  return 'local';
}

export function applyOverride(breaker: CircuitBreaker<unknown>, mode: OverrideMode): void {
  if (mode === 'open') breaker.forceOpen();
  else if (mode === 'close') breaker.forceClose();
  else breaker.reset();
}

/**
 * Cluster awareness for a registry's breakers over the service's store: publishes states
 * and a heartbeat, obeys operator overrides within one poll interval, and optionally opens
 * a breaker when enough peers report theirs open. Calls never touch the store.
 */
export function createBreakerCluster(options: BreakerClusterOptions): BreakerCluster {
  const store = 'publish' in options.store ? options.store : breakerClusterStore(options.store);
  const { registry } = options;
  const clock = options.clock ?? DEFAULT_CLOCK;
  const instanceId =
    options.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const pollMs = options.pollIntervalMs ?? DEFAULT_CLUSTER_POLL_INTERVAL_MS;
  const publishMs = options.publishIntervalMs ?? DEFAULT_CLUSTER_PUBLISH_INTERVAL_MS;
  const staleAfterMs = options.staleAfterMs ?? 3 * publishMs;
  const pruneAfterMs = options.pruneAfterMs ?? DEFAULT_CLUSTER_PRUNE_AFTER_MS;
  const minInstances = options.minInstances ?? DEFAULT_CLUSTER_MIN_INSTANCES;
  const rule = options.openWhenPercentOpen;
  validate({ pollMs, publishMs, staleAfterMs, pruneAfterMs, minInstances, rule, instanceId });
  const percentFor = (name: string): number | undefined =>
    typeof rule === 'number' ? rule : rule?.[name];
  const onError = options.onError ?? (() => {});
  const startedAt = clock.now();
  const causes = new Map<string, StateCause>();
  const seen = new Map<string, number>();
  const latest = new Map<string, BreakerOverride>();
  const unsubscribe: Array<() => void> = [];
  const timers = new Set<NodeJS.Timeout>();
  const inflight = new Set<Promise<unknown>>();
  let started = false;
  let stopped = false;
  let publishing: Promise<void> | undefined;
  let again = false;
  let scheduled = false;

  const publish = (): Promise<void> => {
    if (publishing) {
      again = true;
      return publishing;
    }
    publishing = (async () => {
      do {
        again = false;
        const states = registry.list().map((b) => ({
          breaker: b.name,
          state: b.state,
          cause: causes.get(b.name) ?? 'local',
          since: b.since,
        }));
        await store.publish(instanceId, startedAt, states, clock.now());
      } while (again && !stopped);
    })().finally(() => {
      publishing = undefined;
    });
    return publishing;
  };
  /** Runs background work, reporting its failure; stop() waits for what is in flight. */
  const track = (work: Promise<unknown>, during: 'publish' | 'poll'): Promise<unknown> => {
    const settled = work.catch((error: unknown) => onError(error, during));
    inflight.add(settled);
    return settled.finally(() => inflight.delete(settled));
  };
  const schedulePublish = () => {
    if (scheduled || stopped) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (!stopped) track(publish(), 'publish');
    });
  };

  const apply = (override: BreakerOverride) => {
    if (override.version <= (seen.get(override.breaker) ?? 0)) return;
    seen.set(override.breaker, override.version);
    latest.set(override.breaker, override);
    const breaker = registry.find(override.breaker);
    if (breaker) applyOverride(breaker, override.mode);
  };

  const poll = async (): Promise<void> => {
    for (const override of await store.overrides()) apply(override);
    if (rule === undefined) return;
    const view = await store.view();
    const now = clock.now();
    for (const breaker of registry.list()) {
      const percent = percentFor(breaker.name);
      if (percent === undefined || breaker.state !== 'CLOSED') continue;
      const share = openShare(view, breaker.name, instanceId, now, staleAfterMs);
      if (quorumOpen(share, percent, minInstances)) breaker.trip('cluster');
    }
  };

  const every = (ms: number, work: () => Promise<unknown>, during: 'publish' | 'poll') => {
    const tick = () => {
      timers.delete(timer);
      track(work(), during).finally(() => {
        if (!stopped) arm();
      });
    };
    let timer: NodeJS.Timeout;
    const arm = () => {
      timer = setTimeout(tick, ms);
      timer.unref?.();
      timers.add(timer);
    };
    arm();
  };

  return {
    instanceId,
    start: async () => {
      if (started)
        throw new BreakwaterError(errors.CONFIG_INVALID, 'breaker cluster: started twice');
      started = true;
      unsubscribe.push(
        registry.each((breaker) => {
          const pending = latest.get(breaker.name);
          if (pending && pending.mode !== 'reset') applyOverride(breaker, pending.mode);
          unsubscribe.push(
            breaker.onStateChange((event) => {
              causes.set(event.breaker, causeOf(event, causes.get(event.breaker)));
              schedulePublish();
            }),
          );
        }),
      );
      try {
        await poll();
        await publish();
      } catch (error) {
        // Missing tables are a setup mistake, worth failing for; a store that is down is not:
        // the timers keep trying and local breakers work meanwhile.
        if (hasCode(error, errors.STORE_UNSUPPORTED)) {
          for (const remove of unsubscribe.splice(0)) remove();
          throw error;
        }
        onError(error, 'poll');
      }
      every(pollMs, poll, 'poll');
      every(
        publishMs,
        async () => {
          await publish();
          await store.prune(clock.now() - pruneAfterMs);
        },
        'publish',
      );
    },
    stop: async ({ leave = true } = {}) => {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const remove of unsubscribe.splice(0)) remove();
      await Promise.all([...inflight]);
      await publishing?.catch(() => {});
      if (leave) await store.leave(instanceId);
    },
    override: async (breaker, mode, actor) => {
      checkBreakerName(breaker);
      const override = await store.setOverride(breaker, mode, actor, clock.now());
      apply(override);
      return override;
    },
    states: async () => {
      const view = await store.view();
      const now = clock.now();
      const live = new Set(
        view.instances.filter((i) => i.heartbeatAt >= now - staleAfterMs).map((i) => i.instance),
      );
      return view.states.map((s) => ({ ...s, live: live.has(s.instance) }));
    },
    publish,
    poll,
  };
}

function validate(values: {
  pollMs: number;
  publishMs: number;
  staleAfterMs: number;
  pruneAfterMs: number;
  minInstances: number;
  rule: BreakerClusterOptions['openWhenPercentOpen'];
  instanceId: string;
}): void {
  const bad = (detail: string): never => {
    throw new BreakwaterError(errors.CONFIG_INVALID, `breaker cluster: ${detail}`);
  };
  for (const key of ['pollMs', 'publishMs', 'staleAfterMs', 'pruneAfterMs'] as const) {
    if (!Number.isFinite(values[key]) || values[key] <= 0) bad(`${key} must be > 0`);
  }
  if (!Number.isInteger(values.minInstances) || values.minInstances < 1)
    bad('minInstances must be a whole number >= 1');
  const percents =
    typeof values.rule === 'number' ? [values.rule] : Object.values(values.rule ?? {});
  if (percents.some((p) => !(Number.isFinite(p) && p > 0 && p <= 100)))
    bad('openWhenPercentOpen must be from 1 to 100');
  if (!/^[^|\s]{1,200}$/.test(values.instanceId))
    bad('instanceId must be 1-200 characters without "|" or spaces');
}
