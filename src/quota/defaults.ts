import type { QuotaDefinition } from './definition.js';

/**
 * The quotas shipped for the reference domain (the recognition API). Storage is counted in
 * GB per calendar month; `team_members` and `custom_domains` are gauges.
 */
export const RECOGNITION_QUOTAS: readonly QuotaDefinition[] = Object.freeze([
  { name: 'recognitions_per_day', limit: 1_000, window: 'day' },
  { name: 'recognitions_per_month', limit: 25_000, window: 'month' },
  { name: 'storage_gb_per_month', limit: 100, window: 'month' },
  { name: 'api_calls_per_hour', limit: 10_000, window: 'hour' },
  { name: 'exports_per_day', limit: 50, window: 'day', per: 'user' },
  { name: 'shareable_links_per_day', limit: 200, window: 'day' },
  { name: 'team_members', limit: 500, kind: 'gauge' },
  { name: 'custom_domains', limit: 10, kind: 'gauge' },
]);

/** What `POST /v1/recognitions` consumes in the reference service. */
export const RECOGNITION_CREATE_QUOTAS: Readonly<Record<string, number>> = Object.freeze({
  api_calls_per_hour: 1,
  recognitions_per_day: 1,
  recognitions_per_month: 1,
});
