import type { IncomingHttpHeaders } from 'node:http';
import type { ObjectService } from '../../../objects/index.js';

/** The local S3 as the edge needs it (the objects service satisfies it). */
export type S3Objects = Pick<ObjectService,
  'createBucket' | 'listBuckets' | 'headBucket' | 'deleteBucket' | 'put' | 'head' | 'open' | 'delete' | 'copy' | 'list'
  | 'createUpload' | 'uploadPart' | 'listParts' | 'completeUpload' | 'abortUpload'>;

/** One S3 request once addressed and read. */
export interface S3Request {
  method: string;
  bucket?: string;
  key?: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** A small body read whole (aws-chunked decoded, checksums verified): the XML documents; empty for an upload. */
  body: Buffer;
  /** Checksums sent with the body (headers or trailers), by header name (`x-amz-checksum-crc32`). */
  checksums: Record<string, string>;
  /** PutObject and UploadPart: the object bytes, read as they arrive. */
  upload?: S3Upload;
  requestId: string;
  /** `http://<Host>` as the client addressed the endpoint (Location values). */
  endpoint: string;
  style: 'path' | 'virtual';
}

/** An upload body as it arrives; hand it to the objects service with `sealed` (its last checks, before the row). */
export interface S3Upload {
  source: AsyncIterable<Buffer>;
  /** Checksums sent with the body: headers at once, trailers once `source` has ended. */
  checksums: Record<string, string>;
  sealed(): void;
}

/** A handler's answer: a body (XML text or bytes) or a byte range of an open object file. */
export interface S3Response {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  file?: { fd: number; start: number; end: number };
}

export type S3Handler = (objects: S3Objects, req: S3Request) => S3Response | Promise<S3Response>;
