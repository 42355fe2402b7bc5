/**
 * The deploy state machine. A canary adds `step` (green's weight changes), `verdict` (the
 * analysis of a step, with its figures), `paused` and `resumed` between the gates and the
 * switch. Every transition is persisted as an event in the history, so a
 * deploy can be followed (CLI, dashboard) and resumed or aborted after a router restart.
 */
export const PHASES = [
  'requested',
  'starting',
  'health',
  'smoke',
  'consistency',
  'step',
  'verdict',
  'paused',
  'resumed',
  'switching',
  'promoted',
  'failed',
  'aborted',
  'rolled-back',
] as const;
export type Phase = (typeof PHASES)[number];

/** Phases that end a history entry; its outcome is the one it ended in. */
export const TERMINAL: ReadonlySet<Phase> = new Set([
  'promoted',
  'failed',
  'aborted',
  'rolled-back',
]);

/** What a history entry is: a deploy, a rollback, or the first start of the configured app. */
export type DeployKind = 'deploy' | 'rollback' | 'start';

/** Canary phases: a rollout moves between them freely until it promotes or rolls back. */
const ROLLOUT: readonly Phase[] = [
  'step',
  'verdict',
  'paused',
  'resumed',
  'switching',
  'rolled-back',
  'failed',
  'aborted',
];

const NEXT: Record<Phase, readonly Phase[]> = {
  requested: ['starting', 'switching', 'failed', 'aborted'],
  starting: ['health', 'failed', 'aborted'],
  health: ['smoke', 'consistency', 'step', 'switching', 'failed', 'aborted'],
  smoke: ['consistency', 'step', 'switching', 'failed', 'aborted'],
  consistency: ['step', 'switching', 'failed', 'aborted'],
  step: ROLLOUT,
  verdict: ROLLOUT,
  paused: ROLLOUT,
  resumed: ROLLOUT,
  switching: ['promoted', 'rolled-back', 'failed'],
  promoted: [],
  failed: [],
  aborted: [],
  'rolled-back': [],
};

/** Whether `to` may follow `from` (undefined: the entry has no phase yet). */
export function canTransition(from: Phase | undefined, to: Phase): boolean {
  return from === undefined ? to === 'requested' : NEXT[from].includes(to);
}

/** Throws when a transition is not allowed: a bug, never a user error. */
export function assertTransition(from: Phase | undefined, to: Phase): void {
  if (!canTransition(from, to))
    throw new Error(`deploy phase ${from ?? '(none)'} -> ${to} is not allowed`);
}
