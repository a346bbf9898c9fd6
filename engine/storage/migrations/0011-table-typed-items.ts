// DynamoDB's typed items: each table item keeps its attribute values as DynamoDB types them (N exact, sets, binary)
// beside the plain JSON the table's SQL view reads; rows written before stay readable from the JSON. Tables with a
// stream keep a change feed (old and new images) for the Streams API.
export const sql = `
ALTER TABLE sink_table_items ADD COLUMN typed TEXT;
CREATE TABLE sink_table_changes (
  id INTEGER PRIMARY KEY,    -- change order within the engine; the stream's sequence number
  table_name TEXT NOT NULL,
  event TEXT NOT NULL,       -- INSERT, MODIFY or REMOVE
  keys TEXT NOT NULL,        -- the item's key attributes (typed JSON)
  old_image TEXT,
  new_image TEXT,
  size INTEGER NOT NULL,
  time INTEGER NOT NULL
);
CREATE INDEX sink_table_changes_by_table ON sink_table_changes (table_name, id);
`;
