import type { CheckOutcome, HealthStatus } from './health-check.js';

/** The media type of draft-inadarei-api-health-check. */
export const HEALTH_CONTENT_TYPE = 'application/health+json';

/** A health+json document. */
export interface HealthReport {
  status: HealthStatus;
  serviceId?: string;
  version?: string;
  description?: string;
  output?: string;
  checks: Record<string, CheckOutcome[]>;
}

const RANK: Record<HealthStatus, number> = { pass: 0, warn: 1, fail: 2 };

/** The worst of the statuses; pass for none. */
export function worstStatus(statuses: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = 'pass';
  for (const status of statuses) if (RANK[status] > RANK[worst]) worst = status;
  return worst;
}

/** pass and warn are healthy enough to serve (200); fail is 503. */
export function httpStatusOf(status: HealthStatus): number {
  return status === 'fail' ? 503 : 200;
}

/** Groups check outcomes by name into a report whose status is the worst of them. */
export function buildReport(
  outcomes: ReadonlyArray<readonly [string, CheckOutcome]>,
  meta: { serviceId?: string; version?: string; description?: string } = {},
): HealthReport {
  const checks: Record<string, CheckOutcome[]> = {};
  for (const [name, outcome] of outcomes) {
    const list = checks[name] ?? [];
    list.push(outcome);
    checks[name] = list;
  }
  const report: HealthReport = { status: worstStatus(outcomes.map(([, o]) => o.status)), checks };
  if (meta.serviceId !== undefined) report.serviceId = meta.serviceId;
  if (meta.version !== undefined) report.version = meta.version;
  if (meta.description !== undefined) report.description = meta.description;
  return report;
}
