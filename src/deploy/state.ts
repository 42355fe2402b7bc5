import type { Command } from '../config/schema.js';
import type { RolloutStep } from './steps.js';

export type Color = 'blue' | 'green';

/** One version of the app as the router knows it; persisted in the router state. */
export interface Release {
  /** Unique key: `r<deploy id>`; names the upstream in the route table. */
  id: string;
  /** The history entry that brought it in. */
  deployId: number;
  label: string;
  color: Color;
  /** What runs it, or null for an external app (`url`). */
  command: Command | null;
  /** For an external app: its URL. For a spawned one: set once a port is picked. */
  url: string | null;
  /** The process group leader's pid and its instance marker, to stop orphans after a crash. */
  pid: number | null;
  instance: string | null;
}

/** The router state, one row per service; saved with every phase change. */
export interface RouterState {
  active: Release | null;
  /** The previous version, kept warm for a rollback until `standbyUntil`. */
  standby: Release | null;
  standbyUntil: string | null;
  /**
   * The deploy under way, if any. A router that restarts finds it here: one in its canary
   * steps (`rollout` set) is resumed where it was, any other is recorded as aborted.
   */
  deploying: Release | null;
  /** The canary rollout of `deploying` once it is past its health gate; null otherwise. */
  rollout?: RolloutState | null;
}

/** Where a canary rollout stands; saved with every step, verdict, pause and resume. */
export interface RolloutState {
  steps: RolloutStep[];
  /** The step under way (an index into `steps`). */
  index: number;
  /** Green's share of new requests in percent. */
  weight: number;
  intervalMs: number;
  stepStartedAt: string;
  /** Failed verdicts so far in this step (a rollback follows when it exceeds failureLimit). */
  failures: number;
  /** Set while the rollout waits for an operator: a `pause` step or a `pause` command. */
  paused: { by: string; at: string } | null;
}

export const EMPTY_STATE: RouterState = Object.freeze({
  active: null,
  standby: null,
  standbyUntil: null,
  deploying: null,
  rollout: null,
});

export const otherColor = (color: Color | undefined): Color =>
  color === 'blue' ? 'green' : 'blue';

/** The state after green takes all traffic: the old active becomes the warm standby. */
export function promote(state: RouterState, green: Release, standbyUntil: Date): RouterState {
  return {
    active: green,
    standby: state.active,
    standbyUntil: state.active ? standbyUntil.toISOString() : null,
    deploying: null,
    rollout: null,
  };
}

/** The state after a rollback: standby and active swap, and the window starts again. */
export function swap(state: RouterState, standbyUntil: Date): RouterState {
  return {
    active: state.standby,
    standby: state.active,
    standbyUntil: state.active ? standbyUntil.toISOString() : null,
    deploying: state.deploying,
    rollout: state.rollout ?? null,
  };
}

/** Whether a rollback is possible at `now`. */
export function canRollBack(state: RouterState, now: Date): boolean {
  return (
    state.standby !== null &&
    state.standbyUntil !== null &&
    Date.parse(state.standbyUntil) > now.getTime()
  );
}
