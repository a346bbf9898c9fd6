// Telemetry and events (engine/delivery): delivery-class mappings, event consumers, events kept for absent consumers.
export const sql = `
CREATE TABLE delivery_mappings (
  id TEXT PRIMARY KEY,
  doc TEXT NOT NULL
);
CREATE TABLE delivery_consumers (
  client_id TEXT NOT NULL,
  filter TEXT NOT NULL,
  PRIMARY KEY (client_id, filter)
);
CREATE TABLE delivery_events (
  seq INTEGER PRIMARY KEY,
  topic TEXT NOT NULL,
  payload BLOB NOT NULL,
  properties TEXT,
  published_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE delivery_pending (
  consumer TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (consumer, seq)
);
`;
