// Certificates, CA certificates, policies and their attachments (see engine/security/).
export const sql = `
CREATE TABLE certificates (
  id TEXT PRIMARY KEY,       -- SHA-256 hex of the DER, as AWS IoT's certificateId
  pem TEXT NOT NULL,
  status TEXT NOT NULL,      -- ACTIVE | INACTIVE | REVOKED | PENDING_TRANSFER | REGISTER_INACTIVE | PENDING_ACTIVATION
  ca_id TEXT,                -- the registered CA that signed it; NULL for the local root CA or none
  mode TEXT NOT NULL,        -- DEFAULT | SNI_ONLY
  created INTEGER NOT NULL,  -- epoch ms
  modified INTEGER NOT NULL,
  generation INTEGER NOT NULL
);
CREATE TABLE ca_certificates (
  id TEXT PRIMARY KEY,
  pem TEXT NOT NULL,
  status TEXT NOT NULL,      -- ACTIVE | INACTIVE
  auto_registration TEXT NOT NULL, -- ENABLE | DISABLE
  registration_config TEXT,  -- JSON
  created INTEGER NOT NULL,
  modified INTEGER NOT NULL,
  generation INTEGER NOT NULL
);
CREATE TABLE policies (
  name TEXT PRIMARY KEY,
  default_version TEXT NOT NULL,
  next_version INTEGER NOT NULL,
  created INTEGER NOT NULL,
  modified INTEGER NOT NULL
);
CREATE TABLE policy_versions (
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  document TEXT NOT NULL,
  created INTEGER NOT NULL,
  PRIMARY KEY (name, version)
);
CREATE TABLE policy_targets (
  policy TEXT NOT NULL,
  target TEXT NOT NULL,      -- certificate ARN or thing group ARN
  attached INTEGER NOT NULL,
  PRIMARY KEY (policy, target)
);
CREATE INDEX policy_targets_by_target ON policy_targets (target);
`;
