import type { Registry } from 'prom-client';
import type { HttpAnswer } from './answer.js';
import type { CheckOutcome, HealthCheck, HealthStatus } from './health-check.js';
import { runCheck } from './health-check.js';
import {
  buildReport,
  HEALTH_CONTENT_TYPE,
  type HealthReport,
  httpStatusOf,
} from './health-report.js';
import type { LagMonitor } from './lag-monitor.js';

export type ProbeKind = 'live' | 'ready' | 'health' | 'metrics';
export const PROBE_KINDS: readonly ProbeKind[] = ['live', 'ready', 'health', 'metrics'];

export interface ProbeDeps {
  checks: () => readonly HealthCheck[];
  lag: LagMonitor;
  lagThresholdMs: number;
  registry: Registry;
  shuttingDown: () => boolean;
  now: () => number;
  meta: { serviceId: string; version?: string };
}

const NO_STORE = { 'cache-control': 'no-store' };

function healthAnswer(report: HealthReport, status = httpStatusOf(report.status)): HttpAnswer {
  return {
    status,
    headers: { ...NO_STORE, 'content-type': HEALTH_CONTENT_TYPE },
    body: JSON.stringify(report),
  };
}

/** The answers of the four operational endpoints, independent of any framework. */
export function createProbes(deps: ProbeDeps): (kind: ProbeKind) => Promise<HttpAnswer> {
  const lagOutcome = (): [string, CheckOutcome] => {
    const lag = deps.lag.lagMs();
    const status: HealthStatus = lag < deps.lagThresholdMs ? 'pass' : 'fail';
    const outcome: CheckOutcome = {
      componentType: 'system',
      observedValue: Math.round(lag * 1000) / 1000,
      observedUnit: 'ms',
      status,
      time: new Date(deps.now()).toISOString(),
    };
    return ['eventloop:lag', outcome];
  };
  const runChecks = () =>
    Promise.all(
      deps.checks().map(async (check) => [check.name, await runCheck(check, deps.now)] as const),
    );
  const shuttingDown = (): HttpAnswer =>
    healthAnswer({ ...deps.meta, status: 'fail', output: 'shutting down', checks: {} });

  return async (kind) => {
    switch (kind) {
      case 'live':
        return healthAnswer(buildReport([lagOutcome()], deps.meta));
      case 'ready': {
        if (deps.shuttingDown()) return shuttingDown();
        const report = buildReport(await runChecks(), deps.meta);
        // Shutdown may have begun while the checks ran.
        return deps.shuttingDown() ? shuttingDown() : healthAnswer(report);
      }
      case 'health': {
        if (deps.shuttingDown()) return shuttingDown();
        const [lag, checked] = [lagOutcome(), await runChecks()];
        // A lagging loop is worth a warning here; /live is the probe that fails on it.
        if (lag[1].status === 'fail') lag[1].status = 'warn';
        return healthAnswer(buildReport([lag, ...checked], deps.meta));
      }
      case 'metrics':
        return {
          status: 200,
          headers: { ...NO_STORE, 'content-type': deps.registry.contentType },
          body: await deps.registry.metrics(),
        };
    }
  };
}
