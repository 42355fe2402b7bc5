-- Circuit breakers across instances. Times are epoch milliseconds from the app's clock.
-- Each instance heartbeats in breakwater_breaker_instances and publishes the state of each of
-- its breakers in breakwater_breaker_states (cause: what put it there: its own calls, the
-- cluster rule or an operator). An operator's override for every instance is one row per
-- breaker in breakwater_breaker_overrides; instances poll it and apply each new version once.
CREATE TABLE breakwater_breaker_instances (
  instance TEXT PRIMARY KEY,
  heartbeat_at INTEGER NOT NULL,
  started_at INTEGER NOT NULL
);

CREATE TABLE breakwater_breaker_states (
  instance TEXT NOT NULL REFERENCES breakwater_breaker_instances (instance) ON DELETE CASCADE,
  breaker TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('CLOSED', 'OPEN', 'HALF_OPEN', 'FORCED_OPEN', 'DISABLED')),
  cause TEXT NOT NULL CHECK (cause IN ('local', 'cluster', 'operator')),
  since INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (instance, breaker)
);

CREATE TABLE breakwater_breaker_overrides (
  breaker TEXT PRIMARY KEY,
  mode TEXT NOT NULL CHECK (mode IN ('open', 'close', 'reset')),
  version INTEGER NOT NULL,
  actor TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

-- down
DROP TABLE breakwater_breaker_overrides;
DROP TABLE breakwater_breaker_states;
DROP TABLE breakwater_breaker_instances;
