import type { CursorPosition } from '../cursor.js';
import type { ApiKey, Caller, Organization, Recognition, User } from '../recognition.js';

export interface ListQuery {
  /** Only recognitions given to this user, when set. */
  to?: string | undefined;
  /** Page size, already validated (1-100). */
  limit: number;
  /** Start after this position (exclusive), newest first. */
  cursor?: CursorPosition | undefined;
}

/**
 * The data the recognition API needs, in its own words. Every read is scoped to an
 * organization, so one organization can never see another's rows.
 */
export interface RecognitionRepository {
  /** Inserts the row; `fromName` is not stored (it is the sender's, joined on read). */
  create(recognition: Recognition): Promise<void>;
  /**
   * The same insert inside a transaction someone else opened (the idempotency glue's
   * transactional mode): on SQLite `tx` is the store's Database and the insert is
   * synchronous (returns nothing); on PostgreSQL `tx` is the PoolClient (returns a promise).
   */
  createWithin(tx: unknown, recognition: Recognition): void | Promise<void>;
  get(orgId: string, id: string): Promise<Recognition | undefined>;
  /** Newest first by (createdAt, id); at most `limit` rows. */
  list(orgId: string, query: ListQuery): Promise<Recognition[]>;
  /** Deletes every organization's recognitions created before `cutoff` (ISO); how many. */
  deleteCreatedBefore(cutoff: string): Promise<number>;
  /** Who a key belongs to, by the key's hash. */
  findApiKey(keyHash: string): Promise<Caller | undefined>;
  /** A user of the organization, or undefined (another organization's user is not found). */
  findUser(orgId: string, userId: string): Promise<UserRef | undefined>;
  /** Directory upkeep for seeding: idempotent, an existing id or key hash is kept as it is. */
  addOrganization(organization: Organization): Promise<void>;
  addUser(user: User): Promise<void>;
  addApiKey(apiKey: ApiKey): Promise<void>;
}

/** What the API shows of a user: the id and the display name. */
export interface UserRef {
  id: string;
  name: string;
}

/** Wraps one database call in a trace span; the pipeline's `withSpan`, or a pass-through. */
export type SpanRunner = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

export const noSpan: SpanRunner = (_name, fn) => fn();
