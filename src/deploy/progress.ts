import type { RolloutMailbox } from './canary-commands.js';
import type { CanaryRollout, RolloutLive } from './canary-run.js';
import type { Probe } from './health-gate.js';
import type { Phase } from './phases.js';
import type { Release, RolloutState } from './state.js';

/** A deploy under way, as the controller tracks it in memory. */
export interface RunningDeploy {
  id: number;
  release: Release;
  actor: string;
  phase: Phase;
  startedAt: number;
  abort: AbortController;
  abortedBy?: string;
  probe?: Probe & { attempt: number };
  done?: Promise<void>;
  /** `blue-green` or `canary`; an emergency deploy skips the canary steps. */
  strategy: string;
  emergency: boolean;
  /** Canary only, steps and interval as requested (defaults from the config). */
  steps?: RolloutState['steps'];
  intervalMs?: number;
  /** Set once a canary is past its gates: the rollout and the operator's mailbox to it. */
  rollout?: CanaryRollout;
  mailbox?: RolloutMailbox;
  /** Who promoted a canary before its last step. */
  promotedBy?: string;
  /** Set when the router stops during canary steps: the saved rollout is resumed on start. */
  suspended?: boolean;
}

/** What `GET /admin/v1/deploys/:id` adds to the stored record while a deploy runs. */
export interface LiveProgress {
  phase: Phase;
  elapsedMs: number;
  health?: { attempt: number; ok: boolean; detail: string };
  /** During canary steps: the step, weights, live per-version figures, last verdict. */
  rollout?: RolloutLive;
}

export function liveProgress(run: RunningDeploy, now: number): LiveProgress {
  return {
    phase: run.phase,
    elapsedMs: now - run.startedAt,
    ...(run.probe
      ? { health: { attempt: run.probe.attempt, ok: run.probe.ok, detail: run.probe.detail } }
      : {}),
    ...(run.rollout ? { rollout: run.rollout.live() } : {}),
  };
}

/** The label after the highest numbered of `labels`: v1, v3 -> v4; none numbered -> v2. */
export function nextLabel(...labels: Array<string | undefined>): string {
  let best: { prefix: string; n: number } | undefined;
  for (const label of labels) {
    const match = label === undefined ? null : /^(.*?)(\d+)$/.exec(label);
    if (match && (best === undefined || Number(match[2]) > best.n)) {
      best = { prefix: match[1] as string, n: Number(match[2]) };
    }
  }
  return best ? `${best.prefix}${best.n + 1}` : 'v2';
}
