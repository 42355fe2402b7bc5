import type { IncreaseRequest } from './records.js';

/** A request row as either SQL backend returns it (snake_case; PostgreSQL gives Dates). */
export interface RequestRow {
  id: string;
  organization: string;
  quota: string;
  requested_limit: number;
  current_limit: number;
  reason: string;
  status: IncreaseRequest['status'];
  requested_by: string;
  requested_at: string | Date;
  decided_by: string | null;
  decided_at: string | Date | null;
  granted_limit: number | null;
  note: string | null;
}

export const REQUEST_COLUMNS =
  'id, organization, quota, requested_limit, current_limit, reason, status, requested_by, requested_at, decided_by, decided_at, granted_limit, note';

const iso = (value: string | Date): string =>
  value instanceof Date ? value.toISOString() : new Date(value).toISOString();

export function toRequest(row: RequestRow): IncreaseRequest {
  return {
    id: row.id,
    organization: row.organization,
    quota: row.quota,
    requestedLimit: Number(row.requested_limit),
    currentLimit: Number(row.current_limit),
    reason: row.reason,
    status: row.status,
    requestedBy: row.requested_by,
    requestedAt: iso(row.requested_at),
    decidedBy: row.decided_by,
    decidedAt: row.decided_at === null ? null : iso(row.decided_at),
    grantedLimit: row.granted_limit === null ? null : Number(row.granted_limit),
    note: row.note,
  };
}

/** The values of a request in REQUEST_COLUMNS order. */
export function requestValues(request: IncreaseRequest): unknown[] {
  return [
    request.id,
    request.organization,
    request.quota,
    request.requestedLimit,
    request.currentLimit,
    request.reason,
    request.status,
    request.requestedBy,
    request.requestedAt,
    request.decidedBy,
    request.decidedAt,
    request.grantedLimit,
    request.note,
  ];
}

export const DEFAULT_REQUEST_LIST_LIMIT = 100;
