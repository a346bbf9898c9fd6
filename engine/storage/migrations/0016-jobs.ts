// AWS IoT Jobs: jobs (the record as given, JSON) and their executions, one row per (job, thing, execution number).
// `visible` = 0 holds a QUEUED execution back from devices and listings (a rollout releases it later);
// `timeout_at` is the deadline a timeout policy set (epoch ms), if any.
export const sql = `
CREATE TABLE jobs (
  job_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  status TEXT NOT NULL,
  target_selection TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  record TEXT NOT NULL
);
CREATE TABLE job_executions (
  job_id TEXT NOT NULL,
  thing_name TEXT NOT NULL,
  execution_number INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  status TEXT NOT NULL,
  visible INTEGER NOT NULL DEFAULT 1,
  version INTEGER NOT NULL,
  status_details TEXT NOT NULL,
  queued_at INTEGER NOT NULL,
  started_at INTEGER,
  last_updated_at INTEGER NOT NULL,
  step_timeout_minutes INTEGER,
  timeout_at INTEGER,
  force_canceled INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (job_id, thing_name, execution_number)
);
CREATE INDEX job_executions_by_thing ON job_executions (thing_name, seq);
CREATE INDEX job_executions_by_job ON job_executions (job_id, seq);
`;
