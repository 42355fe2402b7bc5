import type { ResolvedConfig } from '../config/resolve.js';
import type { Command } from '../config/schema.js';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import { nextLabel, type RunningDeploy } from './progress.js';
import type { Color, Release, RouterState } from './state.js';

export const DEFAULT_STRATEGY = 'blue-green';

/** What a caller asks for; everything but the actor is optional. */
export interface DeployRequest {
  command?: Command;
  label?: string;
  strategy?: string;
  actor: string;
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
): { command: Command; label: string; strategy: string } {
  if (current) {
    throw new BreakwaterError(
      errors.DEPLOY_IN_PROGRESS,
      `deploy #${current.id} (${current.release.label}) is in progress`,
      { extensions: { deployId: current.id } },
    );
  }
  const strategy = request.strategy ?? DEFAULT_STRATEGY;
  if (strategy !== DEFAULT_STRATEGY) {
    throw new BreakwaterError(
      errors.DEPLOY_INVALID,
      `unknown strategy "${strategy}" (use blue-green)`,
    );
  }
  const command = request.command ?? config.app.command;
  if (command === undefined) {
    throw new BreakwaterError(
      errors.DEPLOY_INVALID,
      'the app is external (app.url): pass a command to deploy',
    );
  }
  const label = request.label ?? nextLabel(state.active?.label, state.standby?.label);
  return { command, label, strategy };
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
export function newRun(id: number, release: Release, actor: string, now: Date): RunningDeploy {
  return {
    id,
    release,
    actor,
    phase: 'requested',
    startedAt: now.getTime(),
    abort: new AbortController(),
  };
}
