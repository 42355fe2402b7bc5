import { Counter, type Registry } from 'prom-client';
import { hashId } from '../pipeline/hash.js';

/** The capability's counters. */
export interface VersioningMetrics {
  /** Requests served per version and where the version came from. */
  requests: Counter<'version' | 'source'>;
  /** Requests refused: reason "invalid" (400), "sunset" (410), "store" (503), "config" (500). */
  rejections: Counter<'reason'>;
  /** Requests per version and hashed organization, for the versions chosen (bounded). */
  orgRequests: Counter<'version' | 'org'>;
}

export const REQUESTS_METRIC = 'breakwater_api_version_requests_total';
export const REJECTIONS_METRIC = 'breakwater_api_version_rejections_total';
export const ORG_REQUESTS_METRIC = 'breakwater_api_version_org_requests_total';
/** Distinct organization labels per process before the rest count as `_other`. */
export const DEFAULT_MAX_ORG_LABELS = 100;
export const OTHER_ORG_LABEL = '_other';

/** Creates the counters in `registry`, or reuses those already there. */
export function versioningMetrics(registry?: Registry): VersioningMetrics {
  const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> => {
    const existing = registry?.getSingleMetric(name);
    if (existing instanceof Counter) return existing as Counter<L>;
    return new Counter({ name, help, labelNames, registers: registry ? [registry] : [] });
  };
  return {
    requests: counter(REQUESTS_METRIC, 'Requests served, by API version and its source', [
      'version',
      'source',
    ]),
    rejections: counter(REJECTIONS_METRIC, 'Requests refused by API versioning, by reason', [
      'reason',
    ]),
    orgRequests: counter(
      ORG_REQUESTS_METRIC,
      'Requests per API version and organization (HMAC-hashed, bounded), for deprecated versions',
      ['version', 'org'],
    ),
  };
}

export interface OrgLabelOptions {
  /** HMAC key for the organization label (as the pipeline's `hashSecret` for logs). */
  hashSecret: string;
  /** Default 100; further organizations are counted as `_other`. */
  maxOrgs?: number;
  /** Which versions get per-organization series; default those with a deprecation or sunset. */
  versions?: 'deprecated' | 'all';
}

/**
 * The organization label: `hashId(hashSecret, orgId)` (16 hex characters, the same hash the
 * pipeline logs as `tenantHash`), for at most `maxOrgs` organizations per process.
 */
export function orgLabeler(options: OrgLabelOptions): (orgId: string) => string {
  const max = options.maxOrgs ?? DEFAULT_MAX_ORG_LABELS;
  const seen = new Set<string>();
  return (orgId) => {
    const label = hashId(options.hashSecret, orgId);
    if (seen.has(label)) return label;
    if (seen.size >= max) return OTHER_ORG_LABEL;
    seen.add(label);
    return label;
  };
}
