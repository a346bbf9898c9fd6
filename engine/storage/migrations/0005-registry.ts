// The thing registry: things, thing types, static thing groups, group membership and principal↔thing attachments
// (see engine/registry/registry-store.ts). JSON columns hold string maps/lists exactly as AWS returns them.
export const sql = `
CREATE TABLE things (
  name TEXT PRIMARY KEY,
  id TEXT NOT NULL,
  type TEXT,                 -- thing type name, NULL when none
  attributes TEXT NOT NULL,  -- JSON {name: value}
  version INTEGER NOT NULL,  -- 1 at creation, +1 per UpdateThing
  created INTEGER NOT NULL,  -- epoch ms
  updated INTEGER NOT NULL
);
CREATE INDEX things_by_type ON things (type, name);
CREATE TABLE thing_types (
  name TEXT PRIMARY KEY,
  id TEXT NOT NULL,
  description TEXT,
  searchable TEXT NOT NULL,  -- JSON [attribute name]
  deprecated_at INTEGER,     -- epoch ms; NULL while not deprecated
  created INTEGER NOT NULL
);
CREATE TABLE thing_groups (
  name TEXT PRIMARY KEY,
  id TEXT NOT NULL,
  parent TEXT,
  description TEXT,
  attributes TEXT NOT NULL,  -- JSON {name: value}
  version INTEGER NOT NULL,
  created INTEGER NOT NULL
);
CREATE INDEX thing_groups_by_parent ON thing_groups (parent, name);
CREATE TABLE thing_group_members (
  grp TEXT NOT NULL,
  thing TEXT NOT NULL,
  PRIMARY KEY (grp, thing)
);
CREATE INDEX thing_group_members_by_thing ON thing_group_members (thing, grp);
CREATE TABLE thing_principals (
  thing TEXT NOT NULL,
  principal TEXT NOT NULL,   -- a certificate ARN (or any principal string)
  exclusive INTEGER NOT NULL,
  created INTEGER NOT NULL,
  PRIMARY KEY (thing, principal)
);
CREATE INDEX thing_principals_by_principal ON thing_principals (principal, thing);
`;
