import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { Quota } from './definition.js';
import type { Listeners } from './events.js';
import { invalid, quotaNamed } from './items.js';
import { type IncreaseRequest, REQUEST_STATUSES } from './records.js';
import type { QuotaStore } from './store.js';

export const MAX_REASON_LENGTH = 2_000;

/** What an organization files to ask for a higher limit. */
export interface IncreaseInput {
  organization: string;
  quota: string;
  /** The limit asked for; must exceed the one in force. */
  limit: number;
  reason: string;
  /** Who files it (recorded); default `organization`. */
  actor?: string;
}

export interface DecisionInput {
  /** Who decides (recorded). */
  actor: string;
  /** Approval only: grant this limit instead of the requested one. */
  limit?: number;
  note?: string;
}

export interface RequestFilter {
  status?: IncreaseRequest['status'];
  organization?: string;
  limit?: number;
}

function positive(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(`${what} must be a positive number`);
  }
  return value;
}

function text(what: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    throw invalid(`${what} must be non-empty text of at most ${max} characters`);
  }
  return value.trim();
}

/** The quota increase workflow: file -> pending -> approved (override applied) or rejected. */
export function increaseRequests(
  store: QuotaStore,
  definitions: ReadonlyMap<string, Quota>,
  listeners: Listeners,
  now: () => number,
  /** Told after an approval changed an organization's override. */
  overrideChanged: (organization: string) => void = () => {},
) {
  async function currentLimit(organization: string, quota: Quota): Promise<number> {
    return (await store.overrides(organization))[quota.name] ?? quota.limit;
  }

  async function decide(id: string, approve: boolean, input: DecisionInput) {
    const actor = text('actor', input.actor, 200);
    if (approve && input.limit !== undefined) positive('limit', input.limit);
    if (input.note !== undefined) text('note', input.note, MAX_REASON_LENGTH);
    const at = now();
    const request = await store.decideRequest({
      id,
      approve,
      actor,
      at,
      ...(approve && input.limit !== undefined ? { limit: input.limit } : {}),
      ...(input.note !== undefined ? { note: input.note } : {}),
    });
    if (request === undefined) {
      throw new BreakwaterError(errors.QUOTA_REQUEST_NOT_FOUND, `no quota request "${id}"`);
    }
    if (approve) overrideChanged(request.organization);
    // a request decided before this call comes back unchanged, with another decision time
    if (request.decidedAt !== new Date(at).toISOString() || request.decidedBy !== actor) {
      throw new BreakwaterError(
        errors.QUOTA_REQUEST_DECIDED,
        `quota request "${id}" was already ${request.status} by ${request.decidedBy}`,
      );
    }
    listeners.emit({ type: approve ? 'request-approved' : 'request-rejected', request });
    return request;
  }

  return {
    /** Files a request; it stays pending until an operator decides. */
    requestIncrease: async (input: IncreaseInput): Promise<IncreaseRequest> => {
      const organization = text('organization', input.organization, 200);
      const quota = quotaNamed(definitions, input.quota);
      const limit = positive('limit', input.limit);
      const reason = text('reason', input.reason, MAX_REASON_LENGTH);
      const current = await currentLimit(organization, quota);
      if (limit <= current) {
        throw invalid(`requested limit ${limit} must exceed the current limit ${current}`);
      }
      const request = await store.createRequest({
        organization,
        quota: quota.name,
        requestedLimit: limit,
        currentLimit: current,
        reason,
        requestedBy: input.actor ?? organization,
        at: now(),
      });
      listeners.emit({ type: 'request-filed', request });
      return request;
    },
    getRequest: async (id: string): Promise<IncreaseRequest> => {
      const request = await store.getRequest(id);
      if (request === undefined) {
        throw new BreakwaterError(errors.QUOTA_REQUEST_NOT_FOUND, `no quota request "${id}"`);
      }
      return request;
    },
    listRequests: (filter: RequestFilter = {}): Promise<IncreaseRequest[]> => {
      if (filter.status !== undefined && !REQUEST_STATUSES.includes(filter.status)) {
        throw invalid(`status must be one of ${REQUEST_STATUSES.join(', ')}`);
      }
      return store.listRequests(filter);
    },
    /** Approves a pending request and applies its override in the same step. */
    approve: (id: string, input: DecisionInput) => decide(id, true, input),
    reject: (id: string, input: DecisionInput) => decide(id, false, input),
    currentLimit,
  };
}
