-- Breakwater's audit trail of admin actions (who did what to which target, and when).
-- detail holds a JSON object as text.
CREATE TABLE breakwater_admin_audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  detail TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
);

CREATE INDEX breakwater_admin_audit_at ON breakwater_admin_audit (at);

-- down
DROP TABLE breakwater_admin_audit;
