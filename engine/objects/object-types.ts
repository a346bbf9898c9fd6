/** What the local S3 keeps about an object, and how a stored row reads back. */

/** System headers S3 stores with an object and returns on GET and HEAD (lower-case names). */
export const storedHeaders = ['content-type', 'content-encoding', 'content-disposition', 'content-language', 'cache-control', 'expires'] as const;
/** Stored headers: the system ones, and the object's full checksums as the uploader sent them (`x-amz-checksum-crc32`, …). */
export type StoredHeader = typeof storedHeaders[number] | `x-amz-checksum-${string}`;

export interface ObjectInfo {
  bucket: string;
  key: string;
  size: number;
  /** Quoted, as S3 sends it: `"<md5 hex>"`, or `"<md5 of the parts' md5s>-<parts>"` for a multipart upload. */
  etag: string;
  lastModified: number;
  /** Stored system headers (content-type defaults to binary/octet-stream, as S3's does). */
  headers: Partial<Record<StoredHeader, string>>;
  /** User metadata, names without `x-amz-meta-`, lower case. */
  metadata: Record<string, string>;
}

export interface ObjectRow { key: string; size: number; etag: string; modified: number; headers: string; metadata: string; blob: string }

export function objectInfo(bucket: string, row: ObjectRow): ObjectInfo {
  return {
    bucket, key: row.key, size: row.size, etag: row.etag, lastModified: row.modified,
    headers: JSON.parse(row.headers) as ObjectInfo['headers'], metadata: JSON.parse(row.metadata) as Record<string, string>,
  };
}

/** What PutObject, CopyObject (REPLACE) and CreateMultipartUpload store besides the body. */
export interface ObjectAttributes {
  headers?: Partial<Record<StoredHeader, string>>;
  metadata?: Record<string, string>;
}

export interface BucketInfo { name: string; created: number }

export interface PartInfo { number: number; size: number; etag: string; lastModified: number }

export interface UploadInfo { uploadId: string; bucket: string; key: string; initiated: number }
