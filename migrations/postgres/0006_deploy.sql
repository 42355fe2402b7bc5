-- Router state and the append-only deploy history (src/deploy).
-- One state row per service; deploys and their phase events are only ever inserted.
CREATE TABLE breakwater_router_state (
  service TEXT PRIMARY KEY,
  state JSONB NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE breakwater_deploys (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  service TEXT NOT NULL,
  kind TEXT NOT NULL,
  label TEXT NOT NULL,
  command JSONB,
  strategy TEXT NOT NULL,
  actor TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX breakwater_deploys_service ON breakwater_deploys (service, id);

CREATE TABLE breakwater_deploy_events (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  deploy_id BIGINT NOT NULL REFERENCES breakwater_deploys (id),
  phase TEXT NOT NULL,
  at TIMESTAMPTZ NOT NULL,
  detail JSONB NOT NULL DEFAULT '{}'
);

CREATE INDEX breakwater_deploy_events_deploy ON breakwater_deploy_events (deploy_id, id);

-- down
DROP TABLE breakwater_deploy_events;
DROP TABLE breakwater_deploys;
DROP TABLE breakwater_router_state;
