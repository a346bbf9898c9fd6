// Local sinks fed by rule actions (see engine/sinks): targets, generic records, queue messages, stream records,
// the firehose buffer and DynamoDB-like items (each table also gets a view named after it, created by the sink).
export const sql = `
CREATE TABLE sink_targets (
  kind TEXT NOT NULL,        -- queue | notify | stream | firehose | table | metric | log | alarm
  name TEXT NOT NULL,
  options TEXT NOT NULL,     -- JSON, normalized per kind
  state TEXT,                -- JSON kept by the sink (table columns and view name, alarm state, …)
  created INTEGER NOT NULL,
  PRIMARY KEY (kind, name)
);
CREATE TABLE sink_records (  -- notify inbox, metric data points, log events, alarm states, firehose deliveries
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  time INTEGER NOT NULL,
  trace_id TEXT,
  data TEXT NOT NULL         -- JSON
);
CREATE INDEX sink_records_by_target ON sink_records (kind, name, id);
CREATE TABLE sink_queue_messages (
  id INTEGER PRIMARY KEY,
  queue TEXT NOT NULL,
  message_id TEXT NOT NULL,
  body TEXT NOT NULL,
  attributes TEXT,           -- JSON of SQS message attributes
  md5 TEXT NOT NULL,
  sent INTEGER NOT NULL,
  visible_at INTEGER NOT NULL,
  receive_count INTEGER NOT NULL DEFAULT 0,
  receipt TEXT,              -- receipt handle of the latest receive
  trace_id TEXT
);
CREATE INDEX sink_queue_by_queue ON sink_queue_messages (queue, id);
CREATE TABLE sink_stream_records (
  id INTEGER PRIMARY KEY,
  stream TEXT NOT NULL,
  shard INTEGER NOT NULL,
  seq TEXT NOT NULL,         -- sequence number: fixed-width decimal, so text order is numeric order
  partition_key TEXT NOT NULL,
  data BLOB NOT NULL,
  time INTEGER NOT NULL,     -- approximate arrival timestamp (epoch ms)
  trace_id TEXT
);
CREATE INDEX sink_stream_by_shard ON sink_stream_records (stream, shard, seq);
CREATE TABLE sink_firehose_buffer (
  id INTEGER PRIMARY KEY,
  stream TEXT NOT NULL,
  data BLOB NOT NULL,
  time INTEGER NOT NULL,
  trace_id TEXT
);
CREATE TABLE sink_table_items (
  id INTEGER NOT NULL,       -- write order (a replaced item gets a new id)
  table_name TEXT NOT NULL,
  hash TEXT NOT NULL,
  range TEXT NOT NULL,       -- '' when the table has no range key
  item TEXT NOT NULL,        -- JSON object of the item's attributes
  updated INTEGER NOT NULL,
  trace_id TEXT,
  PRIMARY KEY (table_name, hash, range)
);
CREATE INDEX sink_table_items_by_id ON sink_table_items (table_name, id);
`;
