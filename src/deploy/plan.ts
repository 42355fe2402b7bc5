import type { ResolvedConfig } from '../config/resolve.js';
import type { Command } from '../config/schema.js';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { nextLabel, type RunningDeploy } from './progress.js';
import type { Color, Release, RouterState } from './state.js';
import { parseSteps, type RolloutStep } from './steps.js';

export const DEFAULT_STRATEGY = 'blue-green';
export const STRATEGIES = ['blue-green', 'canary'] as const;

/** What a caller asks for; everything but the actor is optional. */
export interface DeployRequest {
  command?: Command;
  label?: string;
  strategy?: string;
  /** Canary steps (`10,pause,50,100` or an array); default from the config. */
  steps?: string | RolloutStep[];
  /** Canary analysis interval in ms; default from the config. */
  intervalMs?: number;
  /** A hotfix: keep the health gate and checks, skip the canary steps; marked in the history. */
  emergency?: boolean;
  actor: string;
}

/** A request with its defaults filled in. */
export interface DeployPlan {
  command: Command;
  label: string;
  strategy: string;
  emergency: boolean;
  steps: RolloutStep[];
  intervalMs: number;
}

/**
 * Checks a deploy request against the current state and fills in its defaults: the
 * configured command, the next label, blue-green. Throws the refusal the caller gets.
 */
export function planDeploy(
  request: DeployRequest,
  config: ResolvedConfig,
  state: RouterState,
  current: RunningDeploy | undefined,
): DeployPlan {
  if (current) {
    throw new BreakwaterError(
      errors.DEPLOY_IN_PROGRESS,
      `deploy #${current.id} (${current.release.label}) is in progress`,
      { extensions: { deployId: current.id } },
    );
  }
  const strategy = request.strategy ?? DEFAULT_STRATEGY;
  if (!(STRATEGIES as readonly string[]).includes(strategy)) {
    throw new BreakwaterError(
      errors.DEPLOY_INVALID,
      `unknown strategy "${strategy}" (use ${STRATEGIES.join(' or ')})`,
    );
  }
  if (strategy !== 'canary' && (request.steps !== undefined || request.intervalMs !== undefined))
    throw new BreakwaterError(errors.DEPLOY_INVALID, 'steps and interval need --strategy canary');
  const steps = request.steps === undefined ? config.canary.steps : parseSteps(request.steps);
  const intervalMs = request.intervalMs ?? config.canary.intervalMs;
  if (!Number.isInteger(intervalMs) || intervalMs < 100 || intervalMs > 86_400_000)
    throw new BreakwaterError(errors.DEPLOY_INVALID, 'interval must be from 100 ms to 24 h');
  const command = request.command ?? config.app.command;
  if (command === undefined) {
    throw new BreakwaterError(
      errors.DEPLOY_INVALID,
      'the app is external (app.url): pass a command to deploy',
    );
  }
  const label = request.label ?? nextLabel(state.active?.label, state.standby?.label);
  return { command, label, strategy, emergency: request.emergency === true, steps, intervalMs };
}

/** A release not started yet: its url and pid are filled in when it runs. */
export function newRelease(
  deployId: number,
  label: string,
  color: Color,
  command: Command | null,
): Release {
  return {
    id: `r${deployId}`,
    deployId,
    label,
    color,
    command,
    url: null,
    pid: null,
    instance: null,
  };
}

/** The in-memory record of a deploy (or rollback) from its `requested` phase on. */
export function newRun(
  id: number,
  release: Release,
  actor: string,
  now: Date,
  plan: Pick<DeployPlan, 'strategy' | 'emergency'> &
    Partial<Pick<DeployPlan, 'steps' | 'intervalMs'>> = {
    strategy: DEFAULT_STRATEGY,
    emergency: false,
  },
): RunningDeploy {
  return {
    id,
    release,
    actor,
    phase: 'requested',
    startedAt: now.getTime(),
    abort: new AbortController(),
    strategy: plan.strategy,
    emergency: plan.emergency,
    ...(plan.steps === undefined ? {} : { steps: plan.steps }),
    ...(plan.intervalMs === undefined ? {} : { intervalMs: plan.intervalMs }),
  };
}
