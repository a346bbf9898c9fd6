// Device Shadow documents and their bounded version history (see engine/shadow/shadow-store.ts).
export const sql = `
CREATE TABLE shadows (
  thing TEXT NOT NULL,
  name TEXT NOT NULL,        -- '' for the classic (unnamed) shadow
  version INTEGER NOT NULL,
  document TEXT,             -- JSON {state, metadata}; NULL once deleted (the row keeps the version for re-creation)
  updated INTEGER NOT NULL,  -- epoch ms of the last update or delete
  PRIMARY KEY (thing, name)
);
CREATE TABLE shadow_history (
  id INTEGER PRIMARY KEY,
  thing TEXT NOT NULL,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  operation TEXT NOT NULL,   -- 'update' | 'delete'
  document TEXT,             -- JSON {state, metadata} after the operation; NULL after a delete
  time INTEGER NOT NULL      -- epoch ms
);
CREATE INDEX shadow_history_by_shadow ON shadow_history (thing, name, id);
`;
