// Tags of AWS IoT resources (thing groups, thing types), by the resource's ARN; deleted with the resource.
export const sql = `
CREATE TABLE iot_tags (
  arn TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (arn, key)
);
`;
