import { randomBytes } from 'node:crypto';

/** A quota increase request: filed by an organization, decided by an operator. */
export interface IncreaseRequest {
  id: string;
  organization: string;
  quota: string;
  /** The limit asked for. */
  requestedLimit: number;
  /** The limit in force when it was filed. */
  currentLimit: number;
  reason: string;
  status: 'pending' | 'approved' | 'rejected';
  requestedBy: string;
  /** ISO 8601. */
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  /** The limit granted on approval (the requested one unless the operator chose another). */
  grantedLimit: number | null;
  note: string | null;
}

export type NewIncreaseRequest = Pick<
  IncreaseRequest,
  'organization' | 'quota' | 'requestedLimit' | 'currentLimit' | 'reason' | 'requestedBy'
> & { at: number };

export interface DecideIncrease {
  id: string;
  approve: boolean;
  actor: string;
  at: number;
  /** Approval: the limit to grant; default the requested one. */
  limit?: number;
  note?: string;
}

/** One day of one quota's usage for an organization. */
export interface DailyUsage {
  /** `YYYY-MM-DD` in the quota's time zone. */
  day: string;
  quota: string;
  /** Units consumed (refunds deducted). */
  used: number;
  /** Units refused by hard enforcement. */
  refused: number;
  /** Units consumed beyond the limit under soft enforcement. */
  overage: number;
}

export const REQUEST_STATUSES = ['pending', 'approved', 'rejected'] as const;

/** `qr_` + 16 random base32-ish characters: sortable enough, unguessable enough. */
export function newRequestId(): string {
  return `qr_${randomBytes(10).toString('base64url').toLowerCase().replace(/[-_]/g, 'x')}`;
}

/** The request a decision turns a pending one into. */
export function decided(request: IncreaseRequest, decision: DecideIncrease): IncreaseRequest {
  return {
    ...request,
    status: decision.approve ? 'approved' : 'rejected',
    decidedBy: decision.actor,
    decidedAt: new Date(decision.at).toISOString(),
    grantedLimit: decision.approve ? (decision.limit ?? request.requestedLimit) : null,
    note: decision.note ?? null,
  };
}

/** A new pending request from what the organization filed. */
export function pendingRequest(input: NewIncreaseRequest, id = newRequestId()): IncreaseRequest {
  return {
    id,
    organization: input.organization,
    quota: input.quota,
    requestedLimit: input.requestedLimit,
    currentLimit: input.currentLimit,
    reason: input.reason,
    status: 'pending',
    requestedBy: input.requestedBy,
    requestedAt: new Date(input.at).toISOString(),
    decidedBy: null,
    decidedAt: null,
    grantedLimit: null,
    note: null,
  };
}
