import type { Job } from './job.js';
import { POSTGRES_SQL } from './postgres-sql.js';
import { type JobRow, parsedJson, toJob } from './row.js';

/** The part of pg's Pool and PoolClient the jobs store uses. */
export interface Queryable {
  query(
    config: string | { name?: string; text: string; values?: unknown[] },
    values?: unknown[],
  ): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** A hot statement as a named prepared statement (parsed and planned once per connection). */
export const named = (name: keyof typeof POSTGRES_SQL, values: unknown[]) => ({
  name: `bw_jobs_${name}`,
  text: POSTGRES_SQL[name],
  values,
});

/** The `n` of a `SELECT count(*)::int AS n` statement. */
export const count = (result: { rows: unknown[] }): number => (result.rows[0] as { n: number }).n;

export const pgJob = (row: unknown): Job => toJob(row as JobRow, parsedJson);
