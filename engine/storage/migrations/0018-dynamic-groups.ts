// Dynamic thing groups (a fleet-indexing query; membership is evaluated, not stored: see engine/registry/dynamic-groups.ts)
// and the registry's event configuration (UpdateEventConfigurations), which survives a restart as it does on AWS.
export const sql = `
ALTER TABLE thing_groups ADD COLUMN query TEXT;          -- NULL for a static group
ALTER TABLE thing_groups ADD COLUMN query_version TEXT;
ALTER TABLE thing_groups ADD COLUMN index_name TEXT;
CREATE TABLE registry_event_configuration (
  type TEXT PRIMARY KEY,     -- THING, THING_GROUP, … (EventType)
  enabled INTEGER NOT NULL
);
CREATE TABLE registry_event_configuration_dates (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  created INTEGER NOT NULL,  -- epoch ms
  modified INTEGER NOT NULL
);
`;
