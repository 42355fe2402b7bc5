import type { PostgresStore } from '../../../../src/store/types.js';
import type { Recognition } from '../recognition.js';
import {
  type ListQuery,
  noSpan,
  type RecognitionRepository,
  type SpanRunner,
  type UserRef,
} from './repository.js';
import { fromRow, type RecognitionRow } from './row.js';

/** created_at leaves PostgreSQL as the same fixed-width ISO text SQLite stores. */
const CREATED_AT = `to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at`;
/** Reads join the sender, for its name. */
const SELECT = `SELECT r.id, r.org_id, r.from_user_id, u.name AS from_name, r.to_user_id,
  r.message, r.badges, ${CREATED_AT} FROM recognitions r JOIN users u ON u.id = r.from_user_id`;
const INSERT = `INSERT INTO recognitions (id, org_id, from_user_id, to_user_id, message, badges, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)`;

/** The subset of pg's Pool and PoolClient the repository uses. */
interface Queryable {
  query(text: string, values: unknown[]): Promise<unknown>;
}

const insertValues = (r: Recognition): unknown[] => [
  r.id,
  r.orgId,
  r.fromUserId,
  r.toUserId,
  r.message,
  JSON.stringify(r.badges),
  r.createdAt,
];

function isQueryable(tx: unknown): tx is Queryable {
  return typeof (tx as Partial<Queryable> | null)?.query === 'function';
}

/** The repository on PostgreSQL: one pooled query per call, parameters only. */
export function postgresRepository(
  store: PostgresStore,
  span: SpanRunner = noSpan,
): RecognitionRepository {
  const { pool } = store;
  const rows = async <R extends object>(text: string, values: unknown[]): Promise<R[]> =>
    (await pool.query<R>(text, values)).rows;

  return {
    create: (r) =>
      span('db.recognitions.create', async () => {
        await pool.query(INSERT, insertValues(r));
      }),
    createWithin: async (tx, r) => {
      if (!isQueryable(tx)) throw new TypeError('createWithin: expected a PoolClient');
      await tx.query(INSERT, insertValues(r));
    },
    get: (orgId, id) =>
      span('db.recognitions.get', async () => {
        const [row] = await rows<RecognitionRow>(`${SELECT} WHERE r.org_id = $1 AND r.id = $2`, [
          orgId,
          id,
        ]);
        return row && fromRow(row);
      }),
    list: (orgId, query: ListQuery) =>
      span('db.recognitions.list', async () => {
        const values: unknown[] = [orgId, query.limit];
        let where = 'r.org_id = $1';
        if (query.to !== undefined) {
          values.push(query.to);
          where += ` AND r.to_user_id = $${values.length}`;
        }
        if (query.cursor) {
          values.push(query.cursor.createdAt, query.cursor.id);
          // A row comparison, so the (org_id, [to_user_id,] created_at, id) index serves it.
          where += ` AND (r.created_at, r.id) < ($${values.length - 1}::timestamptz, $${values.length})`;
        }
        const found = await rows<RecognitionRow>(
          `${SELECT} WHERE ${where} ORDER BY r.created_at DESC, r.id DESC LIMIT $2`,
          values,
        );
        return found.map(fromRow);
      }),
    deleteCreatedBefore: (cutoff) =>
      span('db.recognitions.delete_old', async () => {
        const result = await pool.query('DELETE FROM recognitions WHERE created_at < $1', [cutoff]);
        return result.rowCount ?? 0;
      }),
    findApiKey: (keyHash) =>
      span('db.api_keys.find', async () => {
        const [row] = await rows<{ org_id: string; user_id: string }>(
          'SELECT org_id, user_id FROM api_keys WHERE key_hash = $1',
          [keyHash],
        );
        return row && { orgId: row.org_id, userId: row.user_id };
      }),
    findUser: (orgId, userId) =>
      span('db.users.find', async () => {
        const [found] = await rows<UserRef>(
          'SELECT id, name FROM users WHERE org_id = $1 AND id = $2',
          [orgId, userId],
        );
        return found && { id: found.id, name: found.name };
      }),
    addOrganization: async (o) => {
      await pool.query(
        'INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [o.id, o.name, o.createdAt],
      );
    },
    addUser: async (u) => {
      await pool.query(
        'INSERT INTO users (id, org_id, name, email) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
        [u.id, u.orgId, u.name, u.email],
      );
    },
    addApiKey: async (k) => {
      await pool.query(
        `INSERT INTO api_keys (key_hash, org_id, user_id, label, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [k.keyHash, k.orgId, k.userId, k.label, k.createdAt],
      );
    },
  };
}
