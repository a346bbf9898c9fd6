// CloudWatch Logs (see engine/sinks/logs): log groups stay sink targets (kind 'log'); their streams and events get
// tables of their own, so GetLogEvents and FilterLogEvents read by stream and time. Events the rules' cloudwatchLogs
// action kept in the generic record log move here with their ids.
export const sql = `
CREATE TABLE log_streams (
  grp TEXT NOT NULL,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  PRIMARY KEY (grp, name)
);
CREATE TABLE log_events (
  id INTEGER PRIMARY KEY,    -- write order; also the event id
  grp TEXT NOT NULL,
  stream TEXT NOT NULL,
  ts INTEGER NOT NULL,       -- the event's timestamp (epoch ms)
  ingested INTEGER NOT NULL, -- ingestion time (epoch ms, engine clock)
  message TEXT NOT NULL,
  trace_id TEXT
);
CREATE INDEX log_events_by_stream ON log_events (grp, stream, ts, id);
CREATE INDEX log_events_by_group ON log_events (grp, ts, id);
INSERT INTO log_streams (grp, name, created)
  SELECT name, COALESCE(json_extract(data, '$.logStream'), 'thingbench'), MIN(time) FROM sink_records WHERE kind = 'log' GROUP BY 1, 2;
INSERT INTO log_events (id, grp, stream, ts, ingested, message, trace_id)
  SELECT id, name, COALESCE(json_extract(data, '$.logStream'), 'thingbench'), COALESCE(json_extract(data, '$.timestamp'), time), time,
    COALESCE(json_extract(data, '$.message'), ''), trace_id FROM sink_records WHERE kind = 'log';
DELETE FROM sink_records WHERE kind = 'log';
`;
