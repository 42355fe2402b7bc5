-- Router state and the append-only deploy history (src/deploy).
-- One state row per service; deploys and their phase events are only ever inserted.
CREATE TABLE breakwater_router_state (
  service TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (json_valid(state)),
  updated_at TEXT NOT NULL
);

CREATE TABLE breakwater_deploys (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  service TEXT NOT NULL,
  kind TEXT NOT NULL,
  label TEXT NOT NULL,
  command TEXT,
  strategy TEXT NOT NULL,
  actor TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE INDEX breakwater_deploys_service ON breakwater_deploys (service, id);

CREATE TABLE breakwater_deploy_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  deploy_id INTEGER NOT NULL REFERENCES breakwater_deploys (id),
  phase TEXT NOT NULL,
  at TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
);

CREATE INDEX breakwater_deploy_events_deploy ON breakwater_deploy_events (deploy_id, id);

-- down
DROP TABLE breakwater_deploy_events;
DROP TABLE breakwater_deploys;
DROP TABLE breakwater_router_state;
