-- The recognition API's schema: organizations, their users, API keys (hashed) and the
-- recognitions users give each other. Timestamps are ISO 8601 UTC text with milliseconds,
-- fixed width, so text order is time order.
CREATE TABLE organizations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations (id),
  name TEXT NOT NULL,
  email TEXT NOT NULL
);

CREATE UNIQUE INDEX users_org_email ON users (org_id, email);
CREATE INDEX users_org_id ON users (org_id, id);

-- Only the SHA-256 of a key is stored; the raw key is shown once, to its owner.
CREATE TABLE api_keys (
  key_hash TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations (id),
  user_id TEXT NOT NULL REFERENCES users (id),
  label TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE recognitions (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations (id),
  from_user_id TEXT NOT NULL REFERENCES users (id),
  to_user_id TEXT NOT NULL REFERENCES users (id),
  message TEXT NOT NULL,
  badges TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL
);

-- Keyset pagination: newest first, per organization, optionally for one recipient.
CREATE INDEX recognitions_org_to_created ON recognitions (org_id, to_user_id, created_at, id);
CREATE INDEX recognitions_org_created ON recognitions (org_id, created_at, id);

-- down
DROP INDEX recognitions_org_created;
DROP INDEX recognitions_org_to_created;
DROP TABLE recognitions;
DROP TABLE api_keys;
DROP INDEX users_org_id;
DROP INDEX users_org_email;
DROP TABLE users;
DROP TABLE organizations;
