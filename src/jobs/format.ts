import type { Job, JobDetail } from './job.js';

/** Pretty JSON for `--json`, one document per command. */
export const toJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

const iso = (date: Date | null): string => (date ? date.toISOString() : '-');
const clip = (text: string | null, max: number): string => {
  if (!text) return '';
  const line = text.split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
};

/** Columns padded to their widest cell; the last column is not padded. */
function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `jobs list` / `jobs dlq`: one line per job, newest first. */
export function jobTable(jobs: readonly Job[]): string {
  if (jobs.length === 0) return 'no jobs\n';
  const rows = [['ID', 'STATE', 'QUEUE', 'NAME', 'PRI', 'ATTEMPTS', 'RUN AT', 'LAST ERROR']];
  for (const job of jobs) {
    rows.push([
      job.id,
      job.state,
      job.queue,
      job.name,
      String(job.priority),
      `${job.attempts}/${job.maxAttempts}`,
      iso(job.runAt),
      clip(job.lastError, 60),
    ]);
  }
  return `${table(rows)}\n`;
}

/** `jobs show`: the job's fields, then its attempt history. */
export function jobDetail(job: JobDetail): string {
  const fields: Array<[string, string]> = [
    ['id', job.id],
    ['name', job.name],
    ['queue', job.queue],
    ['state', job.state],
    ['priority', String(job.priority)],
    ['attempts', `${job.attempts}/${job.maxAttempts}`],
    ['run at', iso(job.runAt)],
    ['created', iso(job.createdAt)],
    ['finished', iso(job.finishedAt)],
    ['dedupe key', job.dedupeKey ?? '-'],
    ['traceparent', job.traceparent ?? '-'],
    ['progress', job.progress === null ? '-' : String(job.progress)],
    ['payload', JSON.stringify(job.payload)],
    ['result', job.result === null ? '-' : JSON.stringify(job.result)],
    ['last error', job.lastError ?? '-'],
  ];
  const width = Math.max(...fields.map(([k]) => k.length));
  const lines = fields.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  lines.push('', 'history:');
  if (job.history.length === 0) lines.push('  (no attempts yet)');
  for (const a of job.history) {
    lines.push(
      `  #${a.attempt} ${a.outcome.padEnd(10)} ${iso(a.startedAt)} -> ${iso(a.finishedAt)}  ${a.workerId}`,
    );
    if (a.error) lines.push(`     ${clip(a.error, 200)}`);
  }
  return `${lines.join('\n')}\n`;
}
