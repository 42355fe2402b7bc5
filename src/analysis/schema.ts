import { z } from 'zod';
import type { AnalysisInput } from './options.js';

const number = () => z.number({ error: 'must be a finite number' });
const ms = z
  .number({ error: 'must be a whole number of milliseconds' })
  .int('must be a whole number of milliseconds')
  .min(0, 'must be at least 0 ms')
  .max(86_400_000, 'must be at most 86400000 ms (one day)');
const count = (min: number) =>
  z
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`);
const ratio = number().gt(0, 'must be greater than 0');
const share = number().gt(0, 'must be greater than 0').max(1, 'must be at most 1');
const action = z.enum(['rollback', 'step-down'], { error: 'must be "rollback" or "step-down"' });

/**
 * `canary.analysis` of the config file: strict objects (an unknown field is an error), every
 * field optional (DEFAULT_ANALYSIS fills the rest), each message naming what is wrong.
 */
export const analysisSchema: z.ZodType<AnalysisInput> = z.strictObject({
  minSample: count(1).optional(),
  failureLimit: count(0).optional(),
  triggers: z
    .strictObject({
      windowMs: ms.min(1, 'must be at least 1 ms').optional(),
      minRequests: count(1).optional(),
      errorRate: z
        .strictObject({
          above: share.optional(),
          sustainMs: ms.optional(),
          action: action.optional(),
        })
        .optional(),
      meanLatency: z
        .strictObject({
          aboveMs: ratio.optional(),
          sustainMs: ms.optional(),
          action: action.optional(),
        })
        .optional(),
      healthFailures: z
        .strictObject({
          consecutive: count(1).optional(),
          withinMs: ms.optional(),
          action: action.optional(),
        })
        .optional(),
      memory: z
        .strictObject({
          aboveRatio: share.optional(),
          sustainMs: ms.optional(),
          action: action.optional(),
          limitBytes: count(1).nullable().optional(),
        })
        .optional(),
    })
    .optional(),
  regression: z
    .strictObject({
      p95Ratio: ratio.optional(),
      errorRateRatio: ratio.optional(),
      memoryRatio: ratio.optional(),
      throughputRatio: ratio.optional(),
      latencySlackMs: number().min(0, 'must be at least 0').optional(),
      errorRateSlack: number().min(0, 'must be at least 0').max(1, 'must be at most 1').optional(),
    })
    .optional(),
  mannWhitney: z
    .strictObject({
      enabled: z.boolean({ error: 'must be true or false' }).optional(),
      confidence: number()
        .gt(0, 'must be greater than 0')
        .lt(1, 'must be less than 1 (e.g. 0.98)')
        .optional(),
    })
    .optional(),
});
