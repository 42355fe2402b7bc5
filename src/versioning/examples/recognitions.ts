import type { Problem } from '../../errors/problem.js';
import { defineChange } from '../change-module.js';
import { defineVersions } from '../version-set.js';

/**
 * The recognition API's versions, as the reference service (examples/recognition-api)
 * uses them: v2 renames `message` to `text` and nests the sender as `from: { id, name }`;
 * v1 is deprecated with a sunset date. Handlers are written for v2 only.
 */

/** A recognition as v1 callers send it. */
export interface RecognitionInputV1 {
  to: string;
  message: string;
  /** The sender's user id; default the caller. */
  from?: string;
  badges?: string[];
}

/** A recognition as v2 handlers receive it. */
export interface RecognitionInputV2 {
  to: string;
  text: string;
  from?: { id: string };
  badges?: string[];
}

export interface RecognitionV1 {
  id: string;
  from: string;
  to: string;
  message: string;
  badges: string[];
  createdAt: string;
}

export interface RecognitionV2 {
  id: string;
  from: { id: string; name: string };
  to: string;
  text: string;
  badges: string[];
  createdAt: string;
}

/** `GET /recognitions` pages. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Renames and converts fields in place, so the other fields keep their order. */
function convertFields(
  record: object,
  convert: Record<string, (value: unknown) => [string, unknown]>,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => convert[key]?.(value) ?? [key, value]),
  );
}

function recognitionToV1(recognition: RecognitionV2): RecognitionV1 {
  return convertFields(recognition, {
    text: (text) => ['message', text],
    from: (from) => ['from', (from as RecognitionV2['from']).id],
  }) as unknown as RecognitionV1;
}

/** `body/text` -> `body/message`, `body/from/id` -> `body/from`, in fields and details. */
function fieldToV1(value: string): string {
  return value
    .replace(/\bbody\/text\b/g, 'body/message')
    .replace(/\bbody\/from\/id\b/g, 'body/from');
}

export const messageBecomesText = defineChange<{
  oldRequest: RecognitionInputV1;
  newRequest: RecognitionInputV2;
  newResponse: RecognitionV2 | Page<RecognitionV2>;
  oldResponse: RecognitionV1 | Page<RecognitionV1>;
}>({
  version: 'v2',
  description:
    'Recognitions: `message` is renamed `text`, and the sender `from` becomes an object `{ id, name }` (requests send `from: { id }`).',
  routes: ['POST /recognitions', 'GET /recognitions/:id', 'GET /recognitions'],
  upgradeRequest(body) {
    // Only objects reach here, but their fields are unchecked until the v2 schema runs:
    // a `from` that is not a string goes on as it is, for the schema to name.
    return convertFields(body, {
      message: (message) => ['text', message],
      from: (from) => ['from', typeof from === 'string' ? { id: from } : from],
    }) as unknown as RecognitionInputV2;
  },
  downgradeResponse(body) {
    if ('data' in body) return { ...body, data: body.data.map(recognitionToV1) };
    return recognitionToV1(body);
  },
  downgradeError(problem): Problem {
    const out: Problem = { ...problem };
    if (typeof out.field === 'string') out.field = fieldToV1(out.field);
    if (typeof out.detail === 'string') out.detail = fieldToV1(out.detail);
    return out;
  },
});

/** v1 is deprecated now and stops being served at its sunset. */
export const V1_DEPRECATION = '2026-11-01';
export const V1_SUNSET = '2027-06-01';
export const V2_MIGRATION_GUIDE = 'https://breakwater.dev/docs/recognition-api/v2-migration';

export const recognitionVersions = defineVersions({
  versions: [
    {
      version: 'v1',
      deprecation: V1_DEPRECATION,
      sunset: V1_SUNSET,
      deprecationLink: V2_MIGRATION_GUIDE,
      sunsetLink: V2_MIGRATION_GUIDE,
    },
    { version: 'v2', summary: 'Recognitions carry `text` and a `from` object with the name.' },
  ],
  changes: [messageBecomesText],
});
