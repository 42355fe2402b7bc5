import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { BREAKER_STATES, type BreakerState, type TransitionReason } from './breaker-events.js';
import type { WindowSnapshot } from './breaker-window.js';

/**
 * A breaker's state as plain JSON, for `restore` after a restart. Times are the clock's
 * epoch ms. Probes in flight are not part of it: a restored HALF_OPEN starts with none.
 */
export interface BreakerSnapshot {
  version: 1;
  name: string;
  state: BreakerState;
  reason: TransitionReason;
  since: number;
  openUntil: number;
  /** Opens since the last close; drives the open-duration backoff. */
  openCount: number;
  consecutiveFailures: number;
  probeSuccesses: number;
  window?: WindowSnapshot;
}

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0;

/** Checks a snapshot read from outside (a file, a store); throws BW_CONFIG_INVALID if malformed. */
export function validateSnapshot(value: unknown): BreakerSnapshot {
  const s = value as Partial<BreakerSnapshot> | null;
  const fail = (why: string): never => {
    throw new BreakwaterError(errors.CONFIG_INVALID, `breaker snapshot: ${why}`);
  };
  if (typeof s !== 'object' || s === null) return fail('not an object');
  if (s.version !== 1) fail(`unknown version ${String(s.version)}`);
  if (typeof s.name !== 'string') fail('name must be a string');
  if (!BREAKER_STATES.includes(s.state as BreakerState)) fail(`unknown state ${String(s.state)}`);
  for (const key of [
    'since',
    'openUntil',
    'openCount',
    'consecutiveFailures',
    'probeSuccesses',
  ] as const) {
    if (!isCount(s[key])) fail(`${key} must be a non-negative number`);
  }
  const window = s.window;
  if (window !== undefined) {
    const ok =
      (window.kind === 'count' &&
        Array.isArray(window.outcomes) &&
        window.outcomes.every(isCount)) ||
      (window.kind === 'time' &&
        Array.isArray(window.buckets) &&
        window.buckets.every((b) => Array.isArray(b) && b.length === 4 && b.every(isCount)));
    if (!ok) fail('window is malformed');
  }
  return s as BreakerSnapshot;
}
