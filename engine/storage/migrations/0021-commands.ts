// AWS IoT Commands: commands and their executions, each kept as its JSON document (engine/commands).
export const sql = `
CREATE TABLE commands (
  command_id TEXT PRIMARY KEY,
  doc TEXT NOT NULL
);
CREATE TABLE command_executions (
  execution_id TEXT PRIMARY KEY,
  command_id TEXT NOT NULL,
  target_arn TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX command_executions_by_command ON command_executions (command_id);
CREATE INDEX command_executions_by_target ON command_executions (target_arn);
`;
