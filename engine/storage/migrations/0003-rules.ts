// Topic rules created through the API or the UI (rules from `<dataDir>/rules` files are not stored; see engine/rules).
export const sql = `
CREATE TABLE rules (
  name TEXT PRIMARY KEY,
  payload TEXT NOT NULL,     -- JSON: AWS's topicRulePayload as given (sql, description, actions, errorAction, ruleDisabled, awsIotSqlVersion)
  created INTEGER NOT NULL,  -- epoch ms
  updated INTEGER NOT NULL   -- epoch ms of the last replace, enable or disable
);
`;
