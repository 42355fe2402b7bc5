import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';

/** One canary step: a share of new requests for green in percent, or an approval gate. */
export type RolloutStep = number | 'pause';

export const DEFAULT_CANARY_STEPS: readonly RolloutStep[] = Object.freeze([10, 50, 100]);

const invalid = (detail: string) => new BreakwaterError(errors.DEPLOY_INVALID, detail);

/**
 * Checks and normalizes canary steps: whole percentages from 1 to 100 in increasing order,
 * `pause` anywhere; a list that does not end at 100 gets 100 appended (the last step
 * promotes). Accepts the CLI's `10,pause,50,100` or an array.
 */
export function parseSteps(input: string | readonly RolloutStep[]): RolloutStep[] {
  const parts =
    typeof input === 'string' ? input.split(',').map((part) => part.trim()) : [...input];
  if (parts.length === 0 || (parts.length === 1 && parts[0] === ''))
    throw invalid('steps: must list at least one step, e.g. 10,50,100');
  const steps: RolloutStep[] = [];
  let last = 0;
  for (const part of parts) {
    if (part === 'pause') {
      steps.push('pause');
      continue;
    }
    const weight = typeof part === 'number' ? part : /^\d+$/.test(part) ? Number(part) : Number.NaN;
    if (!Number.isInteger(weight) || weight < 1 || weight > 100)
      throw invalid(`steps: "${part}" must be a whole percentage from 1 to 100, or "pause"`);
    if (weight <= last)
      throw invalid(`steps: ${weight} must be larger than the step before it (${last})`);
    steps.push(weight);
    last = weight;
  }
  if (last !== 100) steps.push(100);
  return steps;
}

/** The weight green has after the step at `index` (pauses keep the one before). */
export function weightAt(steps: readonly RolloutStep[], index: number): number {
  for (let i = Math.min(index, steps.length - 1); i >= 0; i--) {
    const step = steps[i];
    if (typeof step === 'number') return step;
  }
  return 0;
}

/** Index of the numeric step before `index` whose weight is lower, or -1 (step down to none). */
export function previousWeightIndex(steps: readonly RolloutStep[], index: number): number {
  const current = weightAt(steps, index);
  for (let i = index - 1; i >= 0; i--) {
    const step = steps[i];
    if (typeof step === 'number' && step < current) return i;
  }
  return -1;
}
