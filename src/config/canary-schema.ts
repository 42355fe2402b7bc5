import { z } from 'zod';
import { analysisSchema } from '../analysis/schema.js';

/** Defaults of the `canary` section, applied in `resolveConfig`. */
export const DEFAULT_CANARY_INTERVAL_MS = 30_000;
/** How often rollback triggers are evaluated and green's memory read during a rollout. */
export const DEFAULT_CANARY_CHECK_EVERY_MS = 1_000;
export const DEFAULT_STICKY_COOKIE = 'bw_version';

const duration = z.number().int('must be a whole number of milliseconds').max(86_400_000);
const token = z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be a header/cookie name');

const target = z
  .strictObject({
    header: token.optional(),
    cookie: token.optional(),
    value: z.string().min(1, 'must not be empty'),
    /** `canary`: always reaches the new version (testers); `stable`: never does. */
    to: z.enum(['canary', 'stable']),
  })
  .superRefine((value, context) => {
    if ((value.header === undefined) === (value.cookie === undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['header'],
        message: 'set exactly one of header or cookie',
      });
    }
  });

/** The `canary` section of `breakwater.config.*`: steps, interval, stickiness, targeting, analysis. */
export const canarySchema = z.strictObject({
  steps: z
    .array(z.union([z.number().int().min(1).max(100), z.literal('pause')]), {
      error: 'must list percentages from 1 to 100 or "pause"',
    })
    .min(1)
    .optional(),
  intervalMs: duration.min(100).optional(),
  checkEveryMs: duration.min(10).optional(),
  sticky: z
    .union([
      z.literal(false),
      z.strictObject({
        cookie: token.optional(),
        maxAgeS: z.number().int().min(1).optional(),
      }),
    ])
    .optional(),
  targeting: z.array(target).optional(),
  analysis: analysisSchema.optional(),
});

export type CanaryTarget = z.output<typeof target>;
