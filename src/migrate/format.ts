import type { LintFinding } from './lint/index.js';
import type {
  AppliedMigration,
  DryRunResult,
  MigrationDirection,
  MigrationProgress,
  MigrationStatus,
} from './types.js';

/** Text for people (CLI output); JSON for scripts comes from `toJson`. */

const VERB: Record<MigrationDirection, [string, string]> = {
  up: ['applying', 'applied'],
  down: ['reverting', 'reverted'],
  'dry-run': ['trying', 'tried'],
};

/** One plain line per progress event; undefined for events not worth a line. */
export function progressLine(event: MigrationProgress): string | undefined {
  switch (event.type) {
    case 'lock-wait':
      return `waiting for the migration lock on ${event.table} (up to ${event.timeoutMs} ms)`;
    case 'lock-acquired':
      return event.waitedMs > 0 ? `lock acquired after ${event.waitedMs} ms` : undefined;
    case 'backup':
      return `backup written: ${event.file} (${event.bytes} bytes)`;
    case 'start':
      return `${VERB[event.direction][0]} ${event.name}${event.transactional ? '' : ' (outside a transaction)'}`;
    case 'done':
      return `${VERB[event.direction][1]} ${event.name} (${event.ms} ms)`;
    case 'failed':
      return `failed ${event.name}`;
  }
}

/** `status` as an aligned table. */
export function statusTable(statuses: MigrationStatus[]): string {
  if (statuses.length === 0) return 'no migrations\n';
  const rows = [
    ['NAME', 'STATE', 'APPLIED AT', 'BY', 'DURATION'],
    ...statuses.map((s) => [
      s.name,
      s.state,
      s.appliedAt?.toISOString() ?? '-',
      s.appliedBy ?? '-',
      s.durationMs === undefined ? '-' : `${s.durationMs} ms`,
    ]),
  ];
  const widths =
    rows[0]?.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, col) => cell.padEnd(widths[col] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}

export function appliedSummary(direction: 'up' | 'down', done: AppliedMigration[]): string {
  if (done.length === 0) {
    return direction === 'up'
      ? 'nothing to do: every migration is applied\n'
      : 'nothing to revert\n';
  }
  const verb = direction === 'up' ? 'applied' : 'reverted';
  return `${verb} ${done.length} migration${done.length > 1 ? 's' : ''}: ${done.map((m) => m.name).join(', ')}\n`;
}

export function dryRunReport(result: DryRunResult): string {
  if (result.pending.length === 0) return 'nothing to do: every migration is applied\n';
  const lines = result.pending.map((entry) =>
    entry.executed
      ? `would apply ${entry.name} (ran fine, ${entry.durationMs} ms)`
      : `would apply ${entry.name} (${entry.note})`,
  );
  lines.push('dry run: everything was rolled back, nothing was written');
  return `${lines.join('\n')}\n`;
}

export function lintReport(findings: LintFinding[]): string {
  if (findings.length === 0) return 'no lint findings\n';
  return `${findings.map((f) => `${f.file ?? '?'}:${f.line} ${f.rule}: ${f.message}`).join('\n')}\n`;
}

/** JSON with dates as ISO strings and undefined members left out, one document per call. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
