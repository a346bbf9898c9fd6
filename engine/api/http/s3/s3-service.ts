/**
 * The S3 REST-XML API on the engine's endpoint. It answers whole requests itself (the body is an object's bytes,
 * possibly aws-chunked; a GetObject streams from the object's file), before the JSON/query services and the REST
 * route table: see s3-addressing.ts for which requests are S3's.
 *
 * A PutObject or UploadPart body streams to disk as it arrives (objects/blob-files.ts) and a GetObject streams from
 * the object's file, so memory stays bounded whatever the object size; one such body is at most `maxObjectBytes`
 * (default 5 GiB, S3's single-PUT limit). Other bodies are small XML documents, read whole.
 *
 * LIMITATIONS: no versioning, ACLs, policies, CORS, tagging, lifecycle, encryption, storage classes,
 * object lock, ListMultipartUploads, UploadPartCopy or POST (browser form) uploads: these answer NotImplemented.
 */
import fs from 'node:fs';
import type http from 'node:http';
import type { Logger } from '../../../core/index.js';
import { readBody, type HttpRequest, type RawService, type RawServiceContext } from '../http-server.js';
import { isS3Request, s3Address } from './s3-addressing.js';
import { decodeS3Body, decodeS3Stream, S3BodyDecoder } from './s3-body.js';
import { createBucket, deleteBucket, getBucketLocation, headBucket, listBuckets } from './s3-buckets.js';
import { hostId, renderS3Error, S3WireError } from './s3-errors.js';
import { listObjectsV1, listObjectsV2 } from './s3-listing.js';
import { abortMultipartUpload, completeMultipartUpload, createMultipartUpload, listParts, uploadPart } from './s3-multipart.js';
import { copyObject, deleteObject, deleteObjects, getObject, headObject, putObject } from './s3-objects.js';
import type { S3Handler, S3Objects, S3Request, S3Response, S3Upload } from './s3-types.js';

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
  /** Largest object body of one request (PutObject, UploadPart), bytes. Default 5 GiB, S3's single-PUT limit. */
  maxObjectBytes?: number;
  /** Told of each request answered with success, by operation (for metering). */
  onRequest?: (operation: string) => void;
}

/** S3's largest object of one PUT (and largest part): 5 GiB. */
export const MAX_PUT_BYTES = 5 * 1024 * 1024 * 1024;
/** Other request bodies (bucket and multipart XML documents) are small and read whole: at most this. */
const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;
/** Operations whose body is an object's bytes: read as they arrive, straight to disk. */
const STREAMED = new Set(['PutObject', 'UploadPart']);

/** The S3 API as a service the endpoint asks first. */
export function s3Service(objects: S3Objects, opts: S3ServiceOptions): RawService {
  const limit = opts.maxObjectBytes ?? MAX_PUT_BYTES;
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
        const streamed = STREAMED.has(name);
        const declared = Number(req.headers['x-amz-decoded-content-length'] ?? req.headers['content-length']);
        if (streamed && Number.isFinite(declared) && declared > limit) {
          throw new S3WireError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', { ProposedSize: declared, MaxSizeAllowed: limit });
        }
        const request: HttpRequest = {
          operation, method, params: {}, query, headers: req.headers, body: Buffer.alloc(0), requestId: ctx.requestId,
          rawPath: ctx.target.path, rawQuery: ctx.target.query, remoteAddress: req.socket.remoteAddress,
        };
        const s3req: S3Request = {
          method, bucket: address.bucket, key: address.key, query, headers: req.headers, body: Buffer.alloc(0), checksums: {}, requestId: ctx.requestId,
          endpoint: `http://${req.headers.host ?? '127.0.0.1'}`, style: address.style,
        };
        if (streamed) {
          // 100 Continue once the handler starts reading (after its checks: a missing bucket is answered at once).
          s3req.upload = uploadOf(req, request, ctx, limit, () => { if (ctx.expectContinue) res.writeContinue(); });
          s3req.checksums = s3req.upload.checksums;
        } else {
          if (ctx.expectContinue) {
            if (Number.isFinite(declared) && declared > MAX_DOCUMENT_BYTES) throw new S3WireError('MaxMessageLengthExceeded', 'Your request was too big.');
            res.writeContinue();
          }
          const raw = await readBody(req, MAX_DOCUMENT_BYTES);
          ctx.authorize?.({ ...request, body: raw });
          const { data, checksums } = decodeS3Body(raw, req.headers);
          s3req.body = data;
          s3req.checksums = checksums;
        }
        const result = await handler(objects, s3req);
        await send(res, method, result, ctx.requestId);
        opts.onRequest?.(operation);
        opts.logger.log('debug', 'api.s3', `${operation} ${result.status ?? 200}`, { requestId: ctx.requestId });
      } catch (err) {
        if (ctx.isClientGone(err) || (!req.complete && (req.destroyed || req.socket.destroyed) && !(err instanceof S3WireError))) return void res.destroy();
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
        // A body not read to its end (refused early or midway): close once answered, without cutting off the client.
        if (ctx.isTooLarge(err) || !req.complete) ctx.closeAfter(res);
      }
    },
  };
}

/**
 * An object body read as it arrives: decoded (aws-chunked), counted against the limit, its checksums computed on
 * the way. Off loopback the request's signature is checked before any byte is read when it names its payload hash
 * (then the body must match it), otherwise once the body is on disk, before it is stored.
 */
function uploadOf(req: http.IncomingMessage, request: HttpRequest, ctx: RawServiceContext, limit: number, begin: () => void): S3Upload {
  const claimed = req.headers['x-amz-content-sha256'];
  const hex = typeof claimed === 'string' && /^[0-9a-f]{64}$/.test(claimed) ? claimed : undefined;
  const named = hex !== undefined || claimed === 'UNSIGNED-PAYLOAD' || (typeof claimed === 'string' && claimed.startsWith('STREAMING-'));
  if (ctx.authorize && named) ctx.authorize({ ...request, bodySha256: hex });
  const decoder = new S3BodyDecoder(req.headers, { limit, rawSha256: ctx.authorize !== undefined && (hex !== undefined || !named) });
  return {
    source: (async function* () {
      begin();
      yield* decodeS3Stream(req, decoder);
    })(),
    checksums: decoder.checksums,
    sealed: () => {
      if (!ctx.authorize) return;
      const sha = decoder.rawSha256();
      if (hex !== undefined && sha !== hex) {
        throw new S3WireError('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", { ClientComputedContentSHA256: hex, S3ComputedContentSHA256: sha ?? '' });
      }
      if (!named) ctx.authorize({ ...request, bodySha256: sha });
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
