import { BreakwaterError } from '../../../src/errors/breakwater-error.js';
import { errors } from '../../../src/errors/registry.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { type Caller, newRecognitionId, type Recognition } from './recognition.js';
import type { RecognitionRepository } from './repository/index.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/**
 * A recognition as a caller asks for it, in the newest API version (v2: `text`, `from: { id }`);
 * shapes and lengths are already validated.
 */
export interface RecognitionInput {
  to: string;
  text: string;
  from?: { id: string } | undefined;
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
  /**
   * Checks who may recognise whom and builds the new recognition, with the sender's name;
   * it does not store it (the route inserts it in the idempotency transaction). A sender or
   * recipient outside the caller's organization is a 400 naming `body/from/id` or `body/to`.
   */
  compose(caller: Caller, input: RecognitionInput): Promise<Recognition>;
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
    async compose(caller, input) {
      const sender = await repo.findUser(caller.orgId, input.from?.id ?? caller.userId);
      if (!sender) {
        throw fieldError('body/from/id', 'must be you or a user of your organization');
      }
      if (!(await repo.findUser(caller.orgId, input.to))) {
        throw fieldError('body/to', 'must be a user of your organization');
      }
      return {
        id: newId(),
        orgId: caller.orgId,
        fromUserId: sender.id,
        fromName: sender.name,
        toUserId: input.to,
        message: input.text,
        badges: input.badges ?? [],
        createdAt: now().toISOString(),
      };
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
