import type { NewJob } from './enqueue-options.js';
import { named, pgJob, type Queryable } from './postgres-query.js';
import { POSTGRES_SQL as SQL } from './postgres-sql.js';
import type { EnqueuedJob } from './store.js';

/**
 * Inserts jobs in input order in one statement and notifies `channel`. Without dedupe keys
 * only the new ids come back and the jobs are built from the input; with keys, rows whose key
 * a live job holds are skipped and that job is returned instead (`deduplicated`).
 */
export async function insertJobs(
  client: Queryable,
  jobs: readonly NewJob[],
  channel: string,
): Promise<EnqueuedJob[]> {
  if (jobs.length === 0) return [];
  const column = <K extends keyof NewJob>(key: K) => jobs.map((j) => j[key]);
  const dedupe = jobs.some((j) => j.dedupeKey !== null);
  const { rows } = await client.query(
    named(dedupe ? 'insertDedupe' : 'insert', [
      column('queue'),
      column('name'),
      column('payload'),
      column('priority'),
      column('runAt'),
      column('maxAttempts'),
      column('backoff'),
      column('timeoutMs'),
      column('dedupeKey'),
      column('traceparent'),
      column('createdAt'),
      channel,
    ]),
  );
  // Ids follow input order, so row i is input i when nothing was skipped.
  if (!dedupe) return rows.map((row, i) => fromInput(jobs[i] as NewJob, row as { id: string }));
  const inserted = rows.map(pgJob);
  const results: Array<EnqueuedJob | undefined> = [];
  const seen = new Set<string>();
  let next = 0;
  for (const input of jobs) {
    const candidate = inserted[next];
    const key = input.dedupeKey;
    if (key !== null && (seen.has(key) || candidate?.dedupeKey !== key)) {
      results.push(undefined);
    } else {
      results.push(candidate && { ...candidate, deduplicated: false });
      next++;
    }
    if (key !== null) seen.add(key);
  }
  const missing = jobs.filter((_, i) => results[i] === undefined);
  if (missing.length === 0) return results as EnqueuedJob[];
  const keys = [...new Set(missing.map((j) => j.dedupeKey as string))];
  const live = new Map(
    (await client.query(SQL.liveByKeys, [keys])).rows.map((r) => {
      const existing = pgJob(r);
      return [existing.dedupeKey, existing];
    }),
  );
  // A holder that finished between the two statements freed its key: insert those again.
  const retry = missing.filter((j) => !live.has(j.dedupeKey as string));
  const again = retry.length > 0 ? await insertJobs(client, retry, channel) : [];
  return jobs.map((input, i) => {
    const done = results[i];
    if (done) return done;
    const existing = live.get(input.dedupeKey as string);
    if (existing) return { ...existing, deduplicated: true };
    return again.shift() as EnqueuedJob;
  });
}

/** The job a plain insert created, from its input and new id (no row to read back). */
function fromInput(input: NewJob, row: { id: string }): EnqueuedJob {
  const at = new Date(input.createdAt);
  return {
    id: String(row.id),
    queue: input.queue,
    name: input.name,
    payload: JSON.parse(input.payload),
    state: 'pending',
    priority: input.priority,
    runAt: new Date(input.runAt),
    attempts: 0,
    maxAttempts: input.maxAttempts,
    backoff: input.backoff === null ? null : JSON.parse(input.backoff),
    timeoutMs: input.timeoutMs,
    dedupeKey: null,
    traceparent: input.traceparent,
    leaseToken: 0,
    lockedBy: null,
    attemptStartedAt: null,
    leaseExpiresAt: null,
    progress: null,
    result: null,
    lastError: null,
    createdAt: at,
    updatedAt: at,
    finishedAt: null,
    deduplicated: false,
  };
}
