// API versioning: version resolution, change modules, deprecation and sunset, pins.
export {
  type ChangeContext,
  type ChangeModule,
  type ChangeShapes,
  defineChange,
  parseRoutePattern,
  type ResponseContext,
  type RoutePattern,
} from './change-module.js';
export {
  type ChangelogChange,
  type ChangelogVersion,
  changelog,
  formatChangelog,
} from './changelog.js';
export {
  createVersioning,
  type ResolvedVersion,
  type VersionHeaders,
  type Versioning,
  type VersionRequest,
} from './engine.js';
export { httpDate, parseInstant, structuredDate } from './http-dates.js';
export {
  appendLinks,
  type Lifecycle,
  type LifecycleConfig,
  lifecycleHeaders,
} from './lifecycle.js';
export { DEFAULT_VERSIONS_MODULE, loadVersionSet } from './load.js';
export {
  DEFAULT_MAX_ORG_LABELS,
  ORG_REQUESTS_METRIC,
  type OrgLabelOptions,
  OTHER_ORG_LABEL,
  REJECTIONS_METRIC,
  REQUESTS_METRIC,
  type VersioningMetrics,
} from './metrics.js';
export { versionPinStore } from './open.js';
export {
  type AfterSunset,
  DEFAULT_AFTER_SUNSET,
  DEFAULT_PIN_FAIL_OPEN,
  type VersioningOptions,
} from './options.js';
export { DEFAULT_PIN_CACHE_SIZE, DEFAULT_PIN_CACHE_TTL_MS } from './pin-cache.js';
export { postgresPinStore } from './postgres.js';
export { redisPinStore } from './redis.js';
export {
  type ExplicitVersion,
  explicitVersion,
  LEGACY_VERSION_HEADER,
  VERSION_HEADER,
  VERSION_QUERY_PARAMETER,
  type VersionInputs,
  type VersionSource,
} from './resolve.js';
export { sqlitePinStore } from './sqlite.js';
export {
  MAX_ORG_ID_LENGTH,
  type PinStoreOptions,
  VERSION_PINS_TABLE,
  type VersionPin,
  type VersionPinStore,
} from './store.js';
export {
  compareVersions,
  isVersionSegment,
  parseVersion,
  stripVersionSegment,
  type VersionScheme,
} from './version-id.js';
export {
  defineVersions,
  isVersionSet,
  type ParsedVersion,
  type RouteLifecycleConfig,
  type VersionDefinition,
  type VersionInfo,
  type VersionSet,
  type VersionSetConfig,
} from './version-set.js';
