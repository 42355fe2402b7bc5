import type { SqliteStore } from '../../../../src/store/types.js';
import type { Recognition } from '../recognition.js';
import {
  type ListQuery,
  noSpan,
  type RecognitionRepository,
  type SpanRunner,
  type UserRef,
} from './repository.js';
import { fromRow, type RecognitionRow } from './row.js';

const COLUMNS = 'id, org_id, from_user_id, to_user_id, message, badges, created_at';
/** Reads join the sender, for its name. */
const SELECT = `SELECT r.id, r.org_id, r.from_user_id, u.name AS from_name, r.to_user_id,
  r.message, r.badges, r.created_at FROM recognitions r JOIN users u ON u.id = r.from_user_id`;

/** The repository on SQLite: prepared statements, created once per store. */
export function sqliteRepository(
  store: SqliteStore,
  span: SpanRunner = noSpan,
): RecognitionRepository {
  const { db } = store;
  const insert = db.prepare(
    `INSERT INTO recognitions (${COLUMNS}) VALUES (@id, @orgId, @fromUserId, @toUserId, @message, @badges, @createdAt)`,
  );
  const byId = db.prepare<[string, string], RecognitionRow>(
    `${SELECT} WHERE r.org_id = ? AND r.id = ?`,
  );
  // Four list shapes: with or without a recipient, first page or after a cursor.
  const order = 'ORDER BY r.created_at DESC, r.id DESC LIMIT @limit';
  const after = 'AND (r.created_at, r.id) < (@createdAt, @id)';
  const list = {
    all: db.prepare(`${SELECT} WHERE r.org_id = @orgId ${order}`),
    allAfter: db.prepare(`${SELECT} WHERE r.org_id = @orgId ${after} ${order}`),
    to: db.prepare(`${SELECT} WHERE r.org_id = @orgId AND r.to_user_id = @to ${order}`),
    toAfter: db.prepare(
      `${SELECT} WHERE r.org_id = @orgId AND r.to_user_id = @to ${after} ${order}`,
    ),
  };
  const deleteBefore = db.prepare('DELETE FROM recognitions WHERE created_at < ?');
  const apiKey = db.prepare<[string], { org_id: string; user_id: string }>(
    'SELECT org_id, user_id FROM api_keys WHERE key_hash = ?',
  );
  const user = db.prepare<[string, string], UserRef>(
    'SELECT id, name FROM users WHERE org_id = ? AND id = ?',
  );
  const addOrg = db.prepare(
    'INSERT INTO organizations (id, name, created_at) VALUES (@id, @name, @createdAt) ON CONFLICT DO NOTHING',
  );
  const addUser = db.prepare(
    'INSERT INTO users (id, org_id, name, email) VALUES (@id, @orgId, @name, @email) ON CONFLICT DO NOTHING',
  );
  const addKey = db.prepare(
    'INSERT INTO api_keys (key_hash, org_id, user_id, label, created_at) VALUES (@keyHash, @orgId, @userId, @label, @createdAt) ON CONFLICT DO NOTHING',
  );

  const row = ({ fromName: _joined, ...recognition }: Recognition) => ({
    ...recognition,
    badges: JSON.stringify(recognition.badges),
  });

  return {
    create: (recognition) =>
      span('db.recognitions.create', async () => {
        insert.run(row(recognition));
      }),
    // The store's own connection is the transaction's: the prepared insert runs inside it.
    createWithin: (tx, recognition) => {
      if (tx !== db) throw new TypeError('createWithin: not this store’s transaction');
      insert.run(row(recognition));
    },
    get: (orgId, id) =>
      span('db.recognitions.get', async () => {
        const row = byId.get(orgId, id);
        return row && fromRow(row);
      }),
    list: (orgId, query: ListQuery) =>
      span('db.recognitions.list', async () => {
        const params = {
          orgId,
          limit: query.limit,
          ...(query.to === undefined ? {} : { to: query.to }),
          ...(query.cursor ?? {}),
        };
        const statement =
          query.to === undefined
            ? query.cursor
              ? list.allAfter
              : list.all
            : query.cursor
              ? list.toAfter
              : list.to;
        return (statement.all(params) as RecognitionRow[]).map(fromRow);
      }),
    deleteCreatedBefore: (cutoff) =>
      span('db.recognitions.delete_old', async () => deleteBefore.run(cutoff).changes),
    findApiKey: (keyHash) =>
      span('db.api_keys.find', async () => {
        const row = apiKey.get(keyHash);
        return row && { orgId: row.org_id, userId: row.user_id };
      }),
    findUser: (orgId, userId) =>
      span('db.users.find', async () => {
        const found = user.get(orgId, userId);
        return found && { id: found.id, name: found.name };
      }),
    addOrganization: async (organization) => {
      addOrg.run(organization);
    },
    addUser: async (user) => {
      addUser.run(user);
    },
    addApiKey: async (key) => {
      addKey.run(key);
    },
  };
}
