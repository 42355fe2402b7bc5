-- Idempotency keys: one row per scope (tenant + method + route template + key).
-- scope_id is the SHA-256 of that scope; times are epoch milliseconds from the app's clock.
-- An in_flight row is a lease (token fences its holder, expires_at = lease expiry); a
-- completed row holds the response for replay until expires_at (the record TTL).
CREATE TABLE breakwater_idempotency_keys (
  scope_id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('in_flight', 'completed')),
  token TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  status INTEGER,
  headers TEXT,
  body BLOB
);

CREATE INDEX breakwater_idempotency_keys_expires_at ON breakwater_idempotency_keys (expires_at);

-- down
DROP TABLE breakwater_idempotency_keys;
