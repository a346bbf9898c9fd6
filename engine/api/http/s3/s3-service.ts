/**
 * The S3 REST-XML API on the engine's endpoint. It answers whole requests itself (the body is an object's bytes,
 * possibly aws-chunked; a GetObject streams from the object's file), before the JSON/query services and the REST
 * route table: see s3-addressing.ts for which requests are S3's.
 *
 * LIMITATIONS: one request body (PutObject, UploadPart) is at most `maxObjectBytes` (default 1 GiB), held in
 * memory while it is stored; no versioning, ACLs, policies, CORS, tagging, lifecycle, encryption, storage classes,
 * object lock, ListMultipartUploads, UploadPartCopy or POST (browser form) uploads: these answer NotImplemented.
 */
import fs from 'node:fs';
import type http from 'node:http';
import type { Logger } from '../../../core/index.js';
import { readBody, type HttpRequest, type RawService } from '../http-server.js';
import { isS3Request, s3Address } from './s3-addressing.js';
import { decodeS3Body } from './s3-body.js';
import { createBucket, deleteBucket, getBucketLocation, headBucket, listBuckets } from './s3-buckets.js';
import { hostId, renderS3Error, S3WireError } from './s3-errors.js';
import { listObjectsV1, listObjectsV2 } from './s3-listing.js';
import { abortMultipartUpload, completeMultipartUpload, createMultipartUpload, listParts, uploadPart } from './s3-multipart.js';
import { copyObject, deleteObject, deleteObjects, getObject, headObject, putObject } from './s3-objects.js';
import type { S3Handler, S3Objects, S3Request, S3Response } from './s3-types.js';

/** Bucket subresources S3 has and this one does not (a request naming one is NotImplemented, not a listing). */
const UNSUPPORTED = ['acl', 'policy', 'cors', 'lifecycle', 'versioning', 'versions', 'tagging', 'website', 'logging', 'notification',
  'replication', 'encryption', 'object-lock', 'retention', 'legal-hold', 'accelerate', 'requestPayment', 'analytics', 'metrics',
  'inventory', 'intelligent-tiering', 'ownershipControls', 'publicAccessBlock', 'policyStatus', 'torrent', 'restore', 'select', 'attributes', 'uploads'];

/** Which operation a request is: method, whether it names a bucket and a key, and its subresource parameters. */
export function s3Operation(method: string, bucket: string | undefined, key: string | undefined, q: URLSearchParams, headers: http.IncomingHttpHeaders): [string, S3Handler] {
  const has = (p: string) => q.has(p);
  const unsupported = UNSUPPORTED.find((p) => has(p) && !(p === 'uploads' && key !== undefined && method === 'POST'));
  if (!bucket) {
    if (method === 'GET') return ['ListBuckets', listBuckets];
  } else if (key === undefined) {
    if (unsupported) throw notImplemented();
    if (method === 'PUT') return ['CreateBucket', createBucket];
    if (method === 'HEAD') return ['HeadBucket', headBucket];
    if (method === 'DELETE') return ['DeleteBucket', deleteBucket];
    if (method === 'POST' && has('delete')) return ['DeleteObjects', deleteObjects];
    if (method === 'GET' && has('location')) return ['GetBucketLocation', getBucketLocation];
    if (method === 'GET') return q.get('list-type') === '2' ? ['ListObjectsV2', listObjectsV2] : ['ListObjects', listObjectsV1];
  } else {
    if (unsupported) throw notImplemented();
    const upload = has('uploadId');
    if (method === 'PUT' && upload && has('partNumber')) {
      if (headers['x-amz-copy-source'] !== undefined) throw notImplemented();
      return ['UploadPart', uploadPart];
    }
    if (method === 'PUT' && headers['x-amz-copy-source'] !== undefined) return ['CopyObject', copyObject];
    if (method === 'PUT') return ['PutObject', putObject];
    if (method === 'GET' && upload) return ['ListParts', listParts];
    if (method === 'GET') return ['GetObject', getObject];
    if (method === 'HEAD') return ['HeadObject', headObject];
    if (method === 'DELETE' && upload) return ['AbortMultipartUpload', abortMultipartUpload];
    if (method === 'DELETE') return ['DeleteObject', deleteObject];
    if (method === 'POST' && has('uploads')) return ['CreateMultipartUpload', createMultipartUpload];
    if (method === 'POST' && upload) return ['CompleteMultipartUpload', completeMultipartUpload];
  }
  throw new S3WireError('MethodNotAllowed', 'The specified method is not allowed against this resource.', { Method: method, ResourceType: key !== undefined ? 'OBJECT' : bucket ? 'BUCKET' : 'SERVICE' });
}

const notImplemented = () => new S3WireError('NotImplemented', 'A header you provided implies functionality that is not implemented');

export interface S3ServiceOptions {
  logger: Logger;
  /** Largest request body (one PutObject or UploadPart), bytes. Default 1 GiB. */
  maxObjectBytes?: number;
}

/** The S3 API as a service the endpoint asks first. */
export function s3Service(objects: S3Objects, opts: S3ServiceOptions): RawService {
  const limit = opts.maxObjectBytes ?? 1024 * 1024 * 1024;
  return {
    name: 's3',
    claims: (_method, target, headers) => isS3Request(target.query, headers),
    async handle(req, res, ctx) {
      const method = (req.method ?? 'GET').toUpperCase();
      let operation = 'S3';
      try {
        const address = s3Address(ctx.target.path, req.headers);
        const query = new URLSearchParams(ctx.target.query);
        const [name, handler] = s3Operation(method, address.bucket, address.key, query, req.headers);
        operation = name;
        if (ctx.expectContinue) {
          const declared = Number(req.headers['content-length']);
          if (Number.isFinite(declared) && declared > limit) throw new S3WireError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', { ProposedSize: declared, MaxSizeAllowed: limit });
          res.writeContinue();
        }
        const raw = await readBody(req, limit);
        const request: HttpRequest = {
          operation, method, params: {}, query, headers: req.headers, body: raw, requestId: ctx.requestId,
          rawPath: ctx.target.path, rawQuery: ctx.target.query, remoteAddress: req.socket.remoteAddress,
        };
        ctx.authorize?.(request);
        const { data, checksums } = decodeS3Body(raw, req.headers);
        const s3req: S3Request = {
          method, bucket: address.bucket, key: address.key, query, headers: req.headers, body: data, checksums, requestId: ctx.requestId,
          endpoint: `http://${req.headers.host ?? '127.0.0.1'}`, style: address.style,
        };
        const result = await handler(objects, s3req);
        await send(res, method, result, ctx.requestId);
        opts.logger.log('debug', 'api.s3', `${operation} ${result.status ?? 200}`, { requestId: ctx.requestId });
      } catch (err) {
        if (ctx.isClientGone(err)) return void res.destroy();
        const e = renderS3Error(err, ctx.requestId);
        if (e.unexpected) {
          const error = err instanceof Error ? err : new Error(String(err));
          opts.logger.log('error', 'api.s3', `${operation} failed: ${error.message}`, { requestId: ctx.requestId, stack: error.stack });
        }
        if (res.headersSent) return void res.destroy();
        const body = method === 'HEAD' ? Buffer.alloc(0) : Buffer.from(e.body);
        res.writeHead(e.status, {
          'content-type': 'application/xml', 'content-length': String(body.length), 'x-amz-request-id': ctx.requestId, 'x-amz-id-2': hostId(ctx.requestId),
        });
        res.end(body);
        if (ctx.isTooLarge(err)) ctx.closeAfter(res);
      }
    },
  };
}

async function send(res: http.ServerResponse, method: string, result: S3Response, requestId: string): Promise<void> {
  const headers: Record<string, string> = { 'x-amz-request-id': requestId, 'x-amz-id-2': hostId(requestId), ...result.headers };
  if (result.file) {
    const { fd, start, end } = result.file;
    res.writeHead(result.status ?? 200, headers);
    const stream = fs.createReadStream('', { fd, start, end, autoClose: true });
    await new Promise<void>((resolve) => {
      stream.on('error', () => { res.destroy(); resolve(); });
      res.on('close', () => { stream.destroy(); resolve(); });
      stream.pipe(res);
    });
    return;
  }
  const body = result.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(result.body) ? result.body : Buffer.from(result.body);
  if (result.body !== undefined) headers['content-type'] ??= 'application/xml';
  if (headers['content-length'] === undefined) headers['content-length'] = String(body.length);
  res.writeHead(result.status ?? 200, headers);
  res.end(method === 'HEAD' || result.status === 304 ? undefined : body);
}
