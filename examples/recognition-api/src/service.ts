import { BreakwaterError } from '../../../src/errors/breakwater-error.js';
import { errors } from '../../../src/errors/registry.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { type Caller, newRecognitionId, type Recognition } from './recognition.js';
import type { RecognitionRepository } from './repository/index.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** A recognition as a caller asks for it; shapes and lengths are already validated. */
export interface RecognitionInput {
  to: string;
  message: string;
  from?: string | undefined;
  badges?: string[] | undefined;
}

export interface ListInput {
  to?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface Page {
  data: Recognition[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface ServiceOptions {
  /** Clock for `createdAt`; injectable so tests can pin time. */
  now?: () => Date;
  newId?: () => string;
}

/** The recognition rules, apart from HTTP: who may recognise whom, and how pages are cut. */
export interface RecognitionService {
  create(caller: Caller, input: RecognitionInput): Promise<Recognition>;
  /** Throws BW_HTTP_NOT_FOUND for an unknown id or another organization's. */
  get(caller: Caller, id: string): Promise<Recognition>;
  list(caller: Caller, input: ListInput): Promise<Page>;
}

/**
 * A 400 problem naming the offending field the way the pipeline names schema failures:
 * detail `body/to must be ...` and a `field` extension.
 */
export function fieldError(field: string, message: string): BreakwaterError {
  return new BreakwaterError(errors.HTTP_VALIDATION, `${field} ${message}`, {
    extensions: { field },
  });
}

export function recognitionService(
  repo: RecognitionRepository,
  options: ServiceOptions = {},
): RecognitionService {
  const now = options.now ?? (() => new Date());
  const newId = options.newId ?? newRecognitionId;

  return {
    async create(caller, input) {
      const from = input.from ?? caller.userId;
      if (from !== caller.userId && !(await repo.userInOrg(caller.orgId, from))) {
        throw fieldError('body/from', 'must be you or a user of your organization');
      }
      if (!(await repo.userInOrg(caller.orgId, input.to))) {
        throw fieldError('body/to', 'must be a user of your organization');
      }
      const recognition: Recognition = {
        id: newId(),
        orgId: caller.orgId,
        fromUserId: from,
        toUserId: input.to,
        message: input.message,
        badges: input.badges ?? [],
        createdAt: now().toISOString(),
      };
      await repo.create(recognition);
      return recognition;
    },

    async get(caller, id) {
      const found = await repo.get(caller.orgId, id);
      if (!found) {
        throw new BreakwaterError(errors.HTTP_NOT_FOUND, `no recognition ${JSON.stringify(id)}`);
      }
      return found;
    },

    async list(caller, input) {
      const limit = input.limit ?? DEFAULT_PAGE_SIZE;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
        throw fieldError('querystring/limit', `must be an integer from 1 to ${MAX_PAGE_SIZE}`);
      }
      const cursor = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
      if (input.cursor !== undefined && cursor === undefined) {
        throw fieldError('querystring/cursor', 'is not a cursor this API returned');
      }
      // One row more than asked tells whether another page exists, without an empty last page.
      const rows = await repo.list(caller.orgId, { to: input.to, limit: limit + 1, cursor });
      const data = rows.slice(0, limit);
      const last = data.at(-1);
      return {
        data,
        nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
      };
    },
  };
}
