// Broker state that must survive restarts (aedes persistence, see engine/broker/durable-persistence.ts).
export const sql = `
CREATE TABLE broker_retained (
  topic TEXT PRIMARY KEY,
  packet TEXT NOT NULL,      -- JSON of the aedes packet, payload base64
  modified INTEGER NOT NULL  -- epoch ms
);
CREATE TABLE broker_subscriptions (
  client_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  options TEXT NOT NULL,     -- JSON {qos, rh, rap, nl}
  PRIMARY KEY (client_id, topic)
);
CREATE TABLE broker_outgoing (
  client_id TEXT NOT NULL,
  broker_id TEXT NOT NULL,
  broker_counter INTEGER NOT NULL,
  position INTEGER NOT NULL, -- enqueue order
  packet TEXT NOT NULL,
  PRIMARY KEY (client_id, broker_id, broker_counter)
);
CREATE INDEX broker_outgoing_order ON broker_outgoing (client_id, position);
CREATE TABLE broker_incoming (
  client_id TEXT NOT NULL,
  message_id INTEGER NOT NULL,
  packet TEXT NOT NULL,
  PRIMARY KEY (client_id, message_id)
);
CREATE TABLE broker_wills (
  client_id TEXT PRIMARY KEY,
  packet TEXT NOT NULL
);
-- QoS 1 publishes acknowledged before aedes stored them: replayed on start if their handling did not finish.
CREATE TABLE broker_inbound (
  id INTEGER PRIMARY KEY,
  packet TEXT NOT NULL
);
`;
