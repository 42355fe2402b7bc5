import type { DeployView } from './admin-client.js';
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
  return `${head}: ${phase}${health} ${seconds(live?.elapsedMs ?? Date.now() - Date.parse(deploy.createdAt))}`;
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
      ? `deploying #${status.deploying.id} ${status.deploying.label}: ${status.deploying.progress.phase} ${seconds(status.deploying.progress.elapsedMs)}`
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
    return `#${r.id} ${r.createdAt} ${r.kind} ${r.label} ${r.outcome ?? 'in progress'} by ${r.actor} (${span(r.createdAt, r.finishedAt)})${r.reason ? `: ${r.reason}` : ''}\n    ${phases}`;
  });
  return `${rows.join('\n')}\n`;
}
