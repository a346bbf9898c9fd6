// Persistent MQTT sessions that end after an expiry interval (see engine/broker/session-expiry.ts). A session with no
// row here is an MQTT 3.1.1 one (it gets the broker's default) or one that never expires.
export const sql = `
CREATE TABLE broker_sessions (
  client_id TEXT PRIMARY KEY,
  expiry_s INTEGER NOT NULL,  -- the granted Session Expiry Interval, seconds
  protocol INTEGER NOT NULL,  -- MQTT protocol level of the connection that made the session (4 or 5)
  disconnected_at INTEGER     -- epoch ms (engine clock) the session lost its connection; NULL while connected
);
`;
