export { defineConfig } from './define-config.js';
export { CONFIG_FILE_NAMES, findConfigFile, loadConfig, readConfigFile } from './load.js';
export { describeIssue, type ResolvedConfig, resolveConfig } from './resolve.js';
export {
  type BreakwaterConfig,
  type Command,
  type ConsistencyCheck,
  commandSchema,
  configSchema,
  DEFAULT_DEPLOY_TIMEOUT_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_HEALTH_INTERVAL_MS,
  DEFAULT_HEALTH_PATH,
  DEFAULT_HEALTH_TIMEOUT_MS,
  DEFAULT_ROLLBACK_WINDOW_MS,
  DEFAULT_SERVICE_LABEL,
  DEFAULT_STOP_GRACE_MS,
  type SmokeCheck,
} from './schema.js';
