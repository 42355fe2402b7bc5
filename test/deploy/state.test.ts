import { describe, expect, it } from 'vitest';
import { canTransition } from '../../src/deploy/phases.js';
import { nextLabel } from '../../src/deploy/progress.js';
import {
  canRollBack,
  EMPTY_STATE,
  otherColor,
  promote,
  type Release,
  swap,
} from '../../src/deploy/state.js';

const release = (label: string, color: 'blue' | 'green'): Release => ({
  id: label,
  deployId: 1,
  label,
  color,
  command: 'x',
  url: null,
  pid: null,
  instance: null,
});

describe('deploy phases', () => {
  it('allows the blue-green path and failures, never leaving a terminal phase', () => {
    const path = [
      'requested',
      'starting',
      'health',
      'smoke',
      'consistency',
      'switching',
      'promoted',
    ] as const;
    let from: (typeof path)[number] | undefined;
    for (const to of path) {
      expect(canTransition(from, to)).toBe(true);
      from = to;
    }
    expect(canTransition('health', 'switching')).toBe(true);
    expect(canTransition('starting', 'failed')).toBe(true);
    expect(canTransition('requested', 'switching')).toBe(true); // a rollback
    expect(canTransition('switching', 'rolled-back')).toBe(true);
    expect(canTransition('starting', 'promoted')).toBe(false);
    expect(canTransition('promoted', 'failed')).toBe(false);
    expect(canTransition('failed', 'aborted')).toBe(false);
    expect(canTransition(undefined, 'starting')).toBe(false);
  });
});

describe('router state', () => {
  const blue = release('v1', 'blue');
  const green = release('v2', 'green');
  const now = new Date('2026-01-01T00:00:00Z');
  const until = new Date('2026-01-01T00:05:00Z');

  it('promotes green with blue as standby, and swaps back on rollback inside the window', () => {
    const promoted = promote({ ...EMPTY_STATE, active: blue, deploying: green }, green, until);
    expect(promoted).toEqual({
      active: green,
      standby: blue,
      standbyUntil: until.toISOString(),
      deploying: null,
      rollout: null,
    });
    expect(canRollBack(promoted, now)).toBe(true);
    expect(canRollBack(promoted, until)).toBe(false);
    expect(swap(promoted, until)).toMatchObject({ active: blue, standby: green });
    expect(canRollBack(promote(EMPTY_STATE, blue, until), now)).toBe(false);
  });

  it('alternates colors and numbers labels past the highest', () => {
    expect(otherColor('blue')).toBe('green');
    expect(otherColor('green')).toBe('blue');
    expect(otherColor(undefined)).toBe('blue');
    expect(nextLabel('v1')).toBe('v2');
    expect(nextLabel('v3', 'v9')).toBe('v10');
    expect(nextLabel('release-7', undefined)).toBe('release-8');
    expect(nextLabel('stable')).toBe('v2');
  });
});
