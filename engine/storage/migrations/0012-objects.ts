// The local S3 (engine/objects): buckets, objects and multipart uploads. Object bodies are files under
// <dataDir>/s3/blobs named by `blob`; a row here is what makes one visible (written after its file is durable).
// Keys are TEXT compared with SQLite's BINARY collation, which is UTF-8 byte order: S3's listing order.
export const sql = `
CREATE TABLE s3_buckets (
  name TEXT PRIMARY KEY,
  created INTEGER NOT NULL  -- epoch ms
);
CREATE TABLE s3_objects (
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  blob TEXT NOT NULL,       -- file name under s3/blobs
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,       -- quoted, as S3 sends it
  headers TEXT NOT NULL,    -- JSON: content-type and the other stored system headers
  metadata TEXT NOT NULL,   -- JSON: user metadata (x-amz-meta-*), names lower case
  modified INTEGER NOT NULL,
  PRIMARY KEY (bucket, key)
);
CREATE TABLE s3_uploads (
  id TEXT PRIMARY KEY,
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  headers TEXT NOT NULL,
  metadata TEXT NOT NULL,
  initiated INTEGER NOT NULL
);
CREATE TABLE s3_parts (
  upload TEXT NOT NULL,
  number INTEGER NOT NULL,
  blob TEXT NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  modified INTEGER NOT NULL,
  PRIMARY KEY (upload, number)
);
`;
