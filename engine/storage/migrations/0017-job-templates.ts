// AWS IoT job templates (CreateJobTemplate): the document or its S3 source, and the rollout, abort, timeout, retry and
// presigned-URL policies as JSON, as DescribeJobTemplate returns them.
export const sql = `
CREATE TABLE job_templates (
  id TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  document TEXT,
  document_source TEXT,
  policies TEXT NOT NULL,
  extra TEXT NOT NULL,
  tags TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
`;
