import type { SqliteStore } from '../../../../src/store/types.js';
import {
  type ListQuery,
  noSpan,
  type RecognitionRepository,
  type SpanRunner,
} from './repository.js';
import { fromRow, type RecognitionRow } from './row.js';

const COLUMNS = 'id, org_id, from_user_id, to_user_id, message, badges, created_at';

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
    `SELECT ${COLUMNS} FROM recognitions WHERE org_id = ? AND id = ?`,
  );
  // Four list shapes: with or without a recipient, first page or after a cursor.
  const order = 'ORDER BY created_at DESC, id DESC LIMIT @limit';
  const after = 'AND (created_at, id) < (@createdAt, @id)';
  const list = {
    all: db.prepare(`SELECT ${COLUMNS} FROM recognitions WHERE org_id = @orgId ${order}`),
    allAfter: db.prepare(
      `SELECT ${COLUMNS} FROM recognitions WHERE org_id = @orgId ${after} ${order}`,
    ),
    to: db.prepare(
      `SELECT ${COLUMNS} FROM recognitions WHERE org_id = @orgId AND to_user_id = @to ${order}`,
    ),
    toAfter: db.prepare(
      `SELECT ${COLUMNS} FROM recognitions WHERE org_id = @orgId AND to_user_id = @to ${after} ${order}`,
    ),
  };
  const apiKey = db.prepare<[string], { org_id: string; user_id: string }>(
    'SELECT org_id, user_id FROM api_keys WHERE key_hash = ?',
  );
  const member = db.prepare<[string, string], { one: number }>(
    'SELECT 1 AS one FROM users WHERE org_id = ? AND id = ?',
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

  return {
    create: (recognition) =>
      span('db.recognitions.create', async () => {
        insert.run({ ...recognition, badges: JSON.stringify(recognition.badges) });
      }),
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
    findApiKey: (keyHash) =>
      span('db.api_keys.find', async () => {
        const row = apiKey.get(keyHash);
        return row && { orgId: row.org_id, userId: row.user_id };
      }),
    userInOrg: (orgId, userId) =>
      span('db.users.in_org', async () => member.get(orgId, userId) !== undefined),
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
