// DynamoDB tables read by key range: each item keeps its range key as text in DynamoDB's order (N numerically, B
// bytewise; '' without a range key), its size as DynamoDB counts it and, when the table has time to live, its
// expiry (epoch seconds). Secondary indexes keep one entry per indexed item: the index's keys in the same order
// and the item's table key. Stream records may name who made the change (TTL deletions: the DynamoDB service).
// Rows written before get their order and size when the sinks start.
export const sql = `
ALTER TABLE sink_table_items ADD COLUMN sort TEXT;
ALTER TABLE sink_table_items ADD COLUMN size INTEGER;
ALTER TABLE sink_table_items ADD COLUMN expires REAL;
CREATE INDEX sink_table_items_by_sort ON sink_table_items (table_name, hash, sort);
CREATE INDEX sink_table_items_by_expiry ON sink_table_items (table_name, expires) WHERE expires IS NOT NULL;
CREATE TABLE sink_table_index_items (
  table_name TEXT NOT NULL,
  index_name TEXT NOT NULL,
  hash TEXT NOT NULL,        -- the index's partition key (as the table's hash column)
  sort TEXT NOT NULL,        -- the index's sort key in DynamoDB's order, '' without one
  item_hash TEXT NOT NULL,   -- the item's key in the table
  item_range TEXT NOT NULL,
  item_sort TEXT NOT NULL,
  size INTEGER NOT NULL,     -- the projected item's size
  PRIMARY KEY (table_name, index_name, hash, sort, item_hash, item_sort)
);
CREATE INDEX sink_table_index_items_by_item ON sink_table_index_items (table_name, item_hash, item_range);
ALTER TABLE sink_table_changes ADD COLUMN user_identity TEXT;
`;
