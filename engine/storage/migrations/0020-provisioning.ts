// Provisioning templates and their versions (CreateProvisioningTemplate[Version]) and bulk registration tasks
// (StartThingRegistrationTask), by template name and task id.
export const sql = `
CREATE TABLE provisioning_templates (
  name TEXT PRIMARY KEY,
  description TEXT,
  type TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  role_arn TEXT NOT NULL,
  hook TEXT,
  default_version INTEGER NOT NULL,
  next_version INTEGER NOT NULL,
  created INTEGER NOT NULL,
  modified INTEGER NOT NULL
);
CREATE TABLE provisioning_template_versions (
  template TEXT NOT NULL,
  version INTEGER NOT NULL,
  body TEXT NOT NULL,
  created INTEGER NOT NULL,
  PRIMARY KEY (template, version)
);
CREATE TABLE thing_registration_tasks (
  id TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  role_arn TEXT NOT NULL,
  status TEXT NOT NULL,
  message TEXT,
  success INTEGER NOT NULL,
  failure INTEGER NOT NULL,
  progress INTEGER NOT NULL,
  reports TEXT NOT NULL,
  created INTEGER NOT NULL,
  modified INTEGER NOT NULL
);
`;
