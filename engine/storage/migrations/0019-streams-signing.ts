// MQTT file streams (AWS IoT CreateStream) and code signing (AWS Signer): profiles, their signing certificates and keys,
// and signing jobs. A stream's files are JSON: [{fileId, bucket, key, version?, size, etag}] as recorded when set.
export const sql = `
CREATE TABLE iot_streams (
  id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  description TEXT,
  role_arn TEXT NOT NULL,
  files TEXT NOT NULL,
  created INTEGER NOT NULL,  -- epoch ms
  updated INTEGER NOT NULL
);
CREATE TABLE signer_certificates (
  arn TEXT PRIMARY KEY,
  certificate TEXT NOT NULL, -- PEM
  private_key TEXT NOT NULL, -- PKCS#8 PEM
  created INTEGER NOT NULL
);
CREATE TABLE signer_profiles (
  name TEXT PRIMARY KEY,
  version TEXT NOT NULL,
  platform TEXT NOT NULL,
  certificate_arn TEXT NOT NULL,
  validity TEXT NOT NULL,    -- JSON {value, type}
  parameters TEXT NOT NULL,  -- JSON map
  tags TEXT NOT NULL,        -- JSON map
  status TEXT NOT NULL,      -- Active | Canceled | Revoked
  created INTEGER NOT NULL
);
CREATE TABLE signer_jobs (
  id TEXT PRIMARY KEY,
  client_token TEXT,
  profile TEXT NOT NULL,
  profile_version TEXT NOT NULL,
  platform TEXT NOT NULL,
  certificate_arn TEXT NOT NULL,
  source TEXT NOT NULL,      -- JSON {bucketName, key, version}
  signed TEXT,               -- JSON {bucketName, key}
  signature TEXT,            -- base64 DER ECDSA signature of the source object
  status TEXT NOT NULL,      -- InProgress | Failed | Succeeded
  reason TEXT,
  created INTEGER NOT NULL,
  completed INTEGER,
  expires INTEGER
);
`;
