// Command & control (engine/control): one-way commands queued for a device that asks, kept across restarts.
export const sql = `
CREATE TABLE control_one_way (
  request_id TEXT PRIMARY KEY,
  thing TEXT NOT NULL,
  name TEXT NOT NULL,
  payload BLOB NOT NULL,
  content_type TEXT,
  sent_at INTEGER NOT NULL,
  deadline INTEGER NOT NULL
);
`;
