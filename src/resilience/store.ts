import type { BreakerState } from './breaker-events.js';

/** What an operator asks of a breaker on every instance: hold it open, hold it closed, or reset it. */
export type OverrideMode = 'open' | 'close' | 'reset';

export const OVERRIDE_MODES: readonly OverrideMode[] = Object.freeze(['open', 'close', 'reset']);

/** What put a breaker in its state: its own calls, the cluster rule, or an operator. */
export type StateCause = 'local' | 'cluster' | 'operator';

/** An operator's override; `version` grows by one on every write for that breaker. */
export interface BreakerOverride {
  breaker: string;
  mode: OverrideMode;
  version: number;
  actor: string;
  updatedAt: number;
}

/** One breaker's state as one instance last published it. */
export interface PublishedState {
  instance: string;
  breaker: string;
  state: BreakerState;
  cause: StateCause;
  /** When the breaker entered the state. */
  since: number;
  /** When the instance published it. */
  updatedAt: number;
}

export interface InstanceHeartbeat {
  instance: string;
  heartbeatAt: number;
  startedAt: number;
}

/** Every instance and every published state, as stored. */
export interface ClusterView {
  instances: InstanceHeartbeat[];
  states: PublishedState[];
}

/**
 * The resilience capability's store seam: instances publish their breaker states and
 * heartbeat; operators write overrides that instances poll. Times are epoch ms from the
 * caller's clock. None of it is on a call's path: publishing and polling run on timers.
 */
export interface BreakerClusterStore {
  readonly kind: 'sqlite' | 'postgres' | 'redis';
  /** Heartbeat of `instance` and the current state of each of its breakers, in one write. */
  publish(
    instance: string,
    startedAt: number,
    states: ReadonlyArray<Omit<PublishedState, 'instance' | 'updatedAt'>>,
    now: number,
  ): Promise<void>;
  view(): Promise<ClusterView>;
  overrides(): Promise<BreakerOverride[]>;
  /** Writes the override for `breaker`, one version above the last; returns it. */
  setOverride(
    breaker: string,
    mode: OverrideMode,
    actor: string,
    now: number,
  ): Promise<BreakerOverride>;
  /** Removes an instance and its states (a clean stop). */
  leave(instance: string): Promise<void>;
  /** Removes instances (and their states) whose heartbeat is older than `before`; returns how many. */
  prune(before: number): Promise<number>;
}

/** An override as SQL returns it (PostgreSQL BIGINTs arrive as strings). */
export interface OverrideRow {
  breaker: string;
  mode: OverrideMode;
  version: number | string;
  actor: string;
  updated_at: number | string;
}

export function overrideFromRow(row: OverrideRow): BreakerOverride {
  return {
    breaker: row.breaker,
    mode: row.mode,
    version: Number(row.version),
    actor: row.actor,
    updatedAt: Number(row.updated_at),
  };
}

export const BREAKER_TABLES = Object.freeze({
  instances: 'breakwater_breaker_instances',
  states: 'breakwater_breaker_states',
  overrides: 'breakwater_breaker_overrides',
});
