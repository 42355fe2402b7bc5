-- Notifications that could not be delivered (webhook down, breaker open), kept for a later
-- resend. `payload` is the JSON that was to be posted; `reason` why it was not; times are
-- ISO 8601 UTC text. A delivered row keeps its delivered_at.
CREATE TABLE outbox (
  id TEXT PRIMARY KEY,
  channel TEXT NOT NULL,
  payload TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at TEXT NOT NULL,
  delivered_at TEXT
);

CREATE INDEX outbox_pending ON outbox (channel, created_at) WHERE delivered_at IS NULL;

-- down
DROP INDEX outbox_pending;
DROP TABLE outbox;
