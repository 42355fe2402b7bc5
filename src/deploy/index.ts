export { deployAdminRoutes } from './admin-routes.js';
export { ADMIN_TOKEN_FILE, readAdminTokenFile, writeAdminTokenFile } from './admin-token-file.js';
export { runConsistencyChecks, runSmokeChecks } from './checks.js';
export { type ControllerOptions, DeployController } from './controller.js';
export { type Probe, probeHealth, type WaitHealthyOptions, waitHealthy } from './health-gate.js';
export { type ExitInfo, Instance, type InstanceOptions } from './instance.js';
export { openDeployStore } from './open-store.js';
export { type LineSink, streamSink } from './output.js';
export {
  assertTransition,
  canTransition,
  type DeployKind,
  PHASES,
  type Phase,
  TERMINAL,
} from './phases.js';
export { DEFAULT_STRATEGY, type DeployRequest, planDeploy } from './plan.js';
export { type LiveProgress, nextLabel } from './progress.js';
export { type Breakwater, PUBLIC_URL_ENV, startBreakwater } from './runtime.js';
export {
  type Color,
  canRollBack,
  EMPTY_STATE,
  promote,
  type Release,
  type RouterState,
  swap,
} from './state.js';
export type { ReleaseView, StatusView } from './status.js';
export {
  DEFAULT_HISTORY_LIMIT,
  type DeployRecord,
  type DeployStore,
  type NewDeploy,
  type PhaseEvent,
} from './store.js';
