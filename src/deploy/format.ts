import { formatMs, formatPercent } from '../analysis/format.js';
import type { VersionFigures } from '../analysis/summary.js';
import type { DeployView } from './admin-client.js';
import type { RolloutLive } from './canary-run.js';
import type { ReleaseView, StatusView } from './status.js';
import type { DeployRecord } from './store.js';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const span = (from: string, to: string | null) =>
  to === null ? '-' : seconds(Date.parse(to) - Date.parse(from));

/** One progress line: `deploy #4 v2: health (probe 3: ECONNREFUSED) 1.2 s`. */
export function progressLine(deploy: DeployView): string {
  const head = `${deploy.kind} #${deploy.id} ${deploy.label}`;
  if (deploy.outcome !== null) {
    const reason = deploy.reason && deploy.outcome !== 'promoted' ? `: ${deploy.reason}` : '';
    return `${head}: ${deploy.outcome}${reason} (${span(deploy.createdAt, deploy.finishedAt)})`;
  }
  const live = deploy.live;
  const phase = live?.phase ?? deploy.phases.at(-1)?.phase ?? 'requested';
  const health =
    live?.health && phase === 'health'
      ? ` (probe ${live.health.attempt}: ${live.health.ok ? 'ok' : live.health.detail})`
      : '';
  const elapsed = seconds(live?.elapsedMs ?? Date.now() - Date.parse(deploy.createdAt));
  if (live?.rollout) return `${head}: ${rolloutText(live.rollout)} ${elapsed}`;
  return `${head}: ${phase}${health} ${elapsed}`;
}

const figures = (f: VersionFigures) =>
  `${f.requests} req, ${formatPercent(f.errorRate)} err, p95 ${formatMs(f.p95Ms)}`;

/** `step 2/3 50% (green 412 req, 0% err, p95 12 ms | blue ...) next verdict in 12.0 s`. */
export function rolloutText(r: RolloutLive): string {
  const numbered = r.steps.filter((step) => step !== 'pause').length;
  const position = r.steps.slice(0, r.index + 1).filter((step) => step !== 'pause').length;
  const where = `step ${Math.max(position, 1)}/${numbered} ${r.weight}%`;
  const state = r.paused
    ? `paused by ${r.paused.by}`
    : `next verdict in ${seconds(Math.max(r.intervalMs - r.stepElapsedMs, 0))}`;
  const verdict = r.lastVerdict;
  const last = verdict
    ? `, last verdict ${verdict.result}${verdict.result === 'pass' ? '' : ` (${verdict.reason})`}`
    : '';
  return `${where} (new ${figures(r.green)} | old ${figures(r.blue)}) ${state}${last}`;
}

function releaseLine(role: string, release: ReleaseView | null, extra = ''): string {
  if (release === null) return `${role.padEnd(8)} none`;
  const process =
    release.command === null ? 'external' : release.running ? `pid ${release.pid}` : 'not running';
  return `${role.padEnd(8)} ${release.color} ${release.label} (deploy #${release.deployId}) ${release.url ?? ''} ${process}, ${release.inFlight} in flight${extra}`;
}

/** `breakwater status` as text. */
export function statusText(status: StatusView): string {
  const lines = [
    `service  ${status.service}${status.routing ? '' : ' (not routing: no version is ready)'}`,
    releaseLine('active', status.active),
    releaseLine(
      'standby',
      status.standby,
      status.standby?.until ? `, rollback until ${status.standby.until}` : '',
    ),
    status.deploying
      ? `deploying #${status.deploying.id} ${status.deploying.label}: ${
          status.deploying.progress.rollout
            ? rolloutText(status.deploying.progress.rollout)
            : status.deploying.progress.phase
        } ${seconds(status.deploying.progress.elapsedMs)}`
      : 'deploying none',
  ];
  return `${lines.join('\n')}\n`;
}

/** `breakwater history` as a table, newest first, with the phases of each entry. */
export function historyText(records: DeployRecord[]): string {
  if (records.length === 0) return 'no deploys yet\n';
  const rows = records.map((r) => {
    const phases = r.phases
      .map((p) => `${p.phase}+${seconds(Date.parse(p.at) - Date.parse(r.createdAt))}`)
      .join(' ');
    const kind = r.emergency
      ? `${r.kind} (emergency)`
      : r.strategy === 'canary'
        ? `${r.kind} (canary)`
        : r.kind;
    return `#${r.id} ${r.createdAt} ${kind} ${r.label} ${r.outcome ?? 'in progress'} by ${r.actor} (${span(r.createdAt, r.finishedAt)})${r.reason ? `: ${r.reason}` : ''}\n    ${phases}`;
  });
  return `${rows.join('\n')}\n`;
}
