-- API versioning: the version each organization is pinned to (its first request pins the
-- current version; operators move pins with `breakwater versions pin`). Rows are never
-- deleted. pinned_at is epoch milliseconds from the app's clock.
CREATE TABLE breakwater_version_pins (
  org_id TEXT PRIMARY KEY,
  version TEXT NOT NULL,
  pinned_at INTEGER NOT NULL
);

-- down
DROP TABLE breakwater_version_pins;
