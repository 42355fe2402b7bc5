-- Durable background jobs (src/jobs). Times are epoch milliseconds from the app's clock.
-- A job is ready when state is pending or retrying and run_at <= now; workers claim it by
-- setting processing, a lease (locked_by, lease_expires_at) and a new fencing token
-- (lease_token), which every later write of that worker must still match. The latest attempt
-- lives on the job row (locked_by, attempt_started_at); earlier ones, and any attempt that did
-- not complete, are rows of breakwater_job_attempts.
CREATE TABLE breakwater_jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  queue TEXT NOT NULL,
  name TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL CHECK (
    state IN ('pending', 'processing', 'retrying', 'completed', 'dead_letter', 'cancelled')
  ),
  priority INTEGER NOT NULL DEFAULT 1,
  run_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  backoff TEXT,
  timeout_ms INTEGER,
  dedupe_key TEXT,
  traceparent TEXT,
  lease_token INTEGER NOT NULL DEFAULT 0,
  locked_by TEXT,
  attempt_started_at INTEGER,
  lease_expires_at INTEGER,
  progress REAL,
  result TEXT,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER
);

-- Claims: highest priority first, then run_at, then FIFO, among ready jobs only.
CREATE INDEX breakwater_jobs_ready ON breakwater_jobs (queue, priority DESC, run_at, id)
  WHERE state IN ('pending', 'retrying');
-- Leases to reap and heartbeats: only the (few) jobs being processed.
CREATE INDEX breakwater_jobs_leased ON breakwater_jobs (lease_expires_at)
  WHERE state = 'processing';
-- A dedupe key is unique among live jobs only; a finished job frees its key.
CREATE UNIQUE INDEX breakwater_jobs_dedupe ON breakwater_jobs (dedupe_key)
  WHERE dedupe_key IS NOT NULL AND state IN ('pending', 'processing', 'retrying');
-- Dead letters to list, redrive and purge.
CREATE INDEX breakwater_jobs_dead ON breakwater_jobs (queue, id) WHERE state = 'dead_letter';
-- (Completed jobs are deliberately not indexed by time: the retention sweeper walks them in
-- id order, and every completion stays one index entry cheaper.)

-- One row per attempt that ended without completing the job (failed, lease_lost, released,
-- cancelled): token is the job's lease_token of that claim. The running or completing
-- attempt is on the job row, so the happy path writes one row per claim and per completion.
CREATE TABLE breakwater_job_attempts (
  job_id INTEGER NOT NULL,
  token INTEGER NOT NULL,
  worker_id TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  error TEXT,
  PRIMARY KEY (job_id, token)
) WITHOUT ROWID;

-- One row per cron tick that was enqueued: the primary key makes it one enqueue per tick
-- however many schedulers run.
CREATE TABLE breakwater_job_ticks (
  schedule TEXT NOT NULL,
  tick_at INTEGER NOT NULL,
  job_id INTEGER,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (schedule, tick_at)
) WITHOUT ROWID;

-- down
DROP TABLE breakwater_job_ticks;
DROP TABLE breakwater_job_attempts;
DROP TABLE breakwater_jobs;
