-- Quotas: per-key counter state, concurrency leases, per-organization limit overrides,
-- quota increase requests and a daily usage history. Times in counters and leases are
-- epoch milliseconds from the app's clock; days are YYYY-MM-DD in the quota's time zone.
-- A counter row is also the lock a consume step takes for its key.
CREATE TABLE breakwater_quota_counters (
  quota TEXT NOT NULL,
  subject TEXT NOT NULL,
  window_start BIGINT NOT NULL DEFAULT 0,
  used DOUBLE PRECISION NOT NULL DEFAULT 0,
  prev DOUBLE PRECISION NOT NULL DEFAULT 0,
  PRIMARY KEY (quota, subject)
);

CREATE TABLE breakwater_quota_leases (
  lease_id TEXT PRIMARY KEY,
  quota TEXT NOT NULL,
  subject TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);

CREATE INDEX breakwater_quota_leases_subject
  ON breakwater_quota_leases (quota, subject, expires_at);

CREATE TABLE breakwater_quota_overrides (
  organization TEXT NOT NULL,
  quota TEXT NOT NULL,
  quota_limit DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (organization, quota)
);

CREATE TABLE breakwater_quota_requests (
  id TEXT PRIMARY KEY,
  organization TEXT NOT NULL,
  quota TEXT NOT NULL,
  requested_limit DOUBLE PRECISION NOT NULL,
  current_limit DOUBLE PRECISION NOT NULL,
  reason TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
  requested_by TEXT NOT NULL,
  requested_at TIMESTAMPTZ NOT NULL,
  decided_by TEXT,
  decided_at TIMESTAMPTZ,
  granted_limit DOUBLE PRECISION,
  note TEXT
);

CREATE INDEX breakwater_quota_requests_status
  ON breakwater_quota_requests (status, requested_at);

CREATE TABLE breakwater_quota_usage_daily (
  organization TEXT NOT NULL,
  day TEXT NOT NULL,
  quota TEXT NOT NULL,
  used DOUBLE PRECISION NOT NULL DEFAULT 0,
  refused DOUBLE PRECISION NOT NULL DEFAULT 0,
  overage DOUBLE PRECISION NOT NULL DEFAULT 0,
  PRIMARY KEY (organization, day, quota)
);

-- down
DROP TABLE breakwater_quota_usage_daily;
DROP TABLE breakwater_quota_requests;
DROP TABLE breakwater_quota_overrides;
DROP TABLE breakwater_quota_leases;
DROP TABLE breakwater_quota_counters;
