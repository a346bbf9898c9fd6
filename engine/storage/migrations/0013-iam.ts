// IAM roles and customer-managed policies (stored and listed, not enforced) and STS sessions (see engine/iam/).
export const sql = `
CREATE TABLE iam_roles (
  name TEXT PRIMARY KEY,        -- unique case-insensitively, as IAM names are (checked by the service)
  id TEXT NOT NULL,             -- AROA…
  path TEXT NOT NULL,
  trust_policy TEXT NOT NULL,   -- the AssumeRolePolicyDocument as sent
  description TEXT,
  max_session INTEGER NOT NULL, -- seconds
  tags TEXT NOT NULL,           -- JSON [{Key, Value}]
  created INTEGER NOT NULL      -- epoch ms
);
CREATE TABLE iam_role_policies (
  role TEXT NOT NULL,
  name TEXT NOT NULL,
  document TEXT NOT NULL,
  PRIMARY KEY (role, name)
);
CREATE TABLE iam_policies (
  arn TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  id TEXT NOT NULL,             -- ANPA…
  path TEXT NOT NULL,
  description TEXT,
  document TEXT NOT NULL,
  tags TEXT NOT NULL,
  created INTEGER NOT NULL,
  updated INTEGER NOT NULL
);
CREATE TABLE iam_role_attachments (
  role TEXT NOT NULL,
  policy_arn TEXT NOT NULL,     -- a customer-managed policy or an AWS-managed one (arn:aws:iam::aws:policy/…)
  attached INTEGER NOT NULL,
  PRIMARY KEY (role, policy_arn)
);
CREATE TABLE sts_sessions (
  access_key_id TEXT PRIMARY KEY, -- ASIA…
  secret TEXT NOT NULL,
  token TEXT NOT NULL,
  role_arn TEXT NOT NULL,
  role_id TEXT NOT NULL,
  session_name TEXT NOT NULL,
  expires INTEGER NOT NULL        -- epoch ms
);
`;
