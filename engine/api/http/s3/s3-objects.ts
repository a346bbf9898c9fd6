/** Object operations: PutObject, GetObject (ranges, conditions), HeadObject, DeleteObject, DeleteObjects, CopyObject. */
import fs from 'node:fs';
import { storedHeaders, type ObjectAttributes, type ObjectInfo, type StoredHeader } from '../../../objects/index.js';
import { S3WireError } from './s3-errors.js';
import type { S3Handler, S3Request, S3Response } from './s3-types.js';
import { el, httpTime, isoTime, looksLikeXml, xmlDocument, xmlValues } from './s3-xml.js';

/** Stored headers and user metadata from a request (`x-amz-meta-*`, names lower case as S3 returns them). */
export function attributesOf(req: S3Request): ObjectAttributes {
  const headers: ObjectAttributes['headers'] = {};
  for (const h of storedHeaders) {
    const v = req.headers[h];
    if (typeof v === 'string' && v) headers[h] = v;
  }
  // aws-chunked is how the body travelled, not how it is stored.
  if (headers['content-encoding']) {
    const rest = headers['content-encoding'].split(',').map((s) => s.trim()).filter((s) => s && s !== 'aws-chunked');
    if (rest.length) headers['content-encoding'] = rest.join(', ');
    else delete headers['content-encoding'];
  }
  // A full object's checksum is kept and returned (with x-amz-checksum-mode: ENABLED), as S3's.
  for (const [name, v] of Object.entries(req.checksums)) headers[name as StoredHeader] = v;
  const metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(req.headers)) {
    if (name.startsWith('x-amz-meta-') && typeof v === 'string') metadata[name.slice('x-amz-meta-'.length)] = v;
  }
  const size = Buffer.byteLength(JSON.stringify(metadata)) - 2;
  if (size > 2048) throw new S3WireError('MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size.', { Size: size, MaxSizeAllowed: 2048 });
  return { headers, metadata };
}

const isChecksum = (name: string) => name.startsWith('x-amz-checksum-');
const checksumHeaders = (info: ObjectInfo) => Object.fromEntries(Object.entries(info.headers).filter(([k]) => isChecksum(k))) as Record<string, string>;

/** The headers S3 returns with an object (GET and HEAD); its checksums only when asked for and the whole object is read. */
function objectHeaders(info: ObjectInfo, checksums: boolean): Record<string, string> {
  const stored = Object.entries(info.headers).filter(([k]) => checksums || !isChecksum(k));
  const h: Record<string, string> = { etag: info.etag, 'last-modified': httpTime(info.lastModified), 'accept-ranges': 'bytes', ...Object.fromEntries(stored) };
  for (const [k, v] of Object.entries(info.metadata)) h[`x-amz-meta-${k}`] = v;
  return h;
}

export const putObject: S3Handler = async (objects, req) => {
  const attrs = attributesOf(req); // metadata checked before the body is read
  const info = await objects.put(req.bucket!, req.key!, req.upload!.source, attrs, { sealed: () => sealUpload(req, attrs) });
  return { headers: { etag: info.etag, ...checksumHeaders(info) } };
};

/** The upload's last checks once it is on disk; checksums sent as trailers join those of the headers. */
function sealUpload(req: S3Request, attrs: ObjectAttributes): void {
  req.upload!.sealed();
  for (const [name, v] of Object.entries(req.upload!.checksums)) attrs.headers![name as StoredHeader] = v;
}

/** If-Match / If-Unmodified-Since (412) and If-None-Match / If-Modified-Since (304), as RFC 7232 orders them. */
function preconditions(req: S3Request, info: ObjectInfo): S3Response | undefined {
  const match = req.headers['if-match'];
  const noneMatch = req.headers['if-none-match'];
  const since = Date.parse(String(req.headers['if-modified-since'] ?? ''));
  const unmodified = Date.parse(String(req.headers['if-unmodified-since'] ?? ''));
  const modifiedSec = Math.floor(info.lastModified / 1000) * 1000;
  const etags = (v: string) => v.split(',').map((s) => s.trim());
  if (typeof match === 'string' && !etags(match).some((e) => e === '*' || e === info.etag || `"${e}"` === info.etag)) throw precondition('If-Match');
  if (typeof match !== 'string' && Number.isFinite(unmodified) && modifiedSec > unmodified) throw precondition('If-Unmodified-Since');
  const notModified = { status: 304, headers: { etag: info.etag, 'last-modified': httpTime(info.lastModified) } };
  if (typeof noneMatch === 'string') {
    if (etags(noneMatch).some((e) => e === '*' || e === info.etag || `"${e}"` === info.etag)) return notModified;
  } else if (Number.isFinite(since) && modifiedSec <= since) return notModified;
  return undefined;
}

const precondition = (condition: string) => new S3WireError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: condition });

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` → an inclusive range, undefined for none (or one S3 ignores), 416 when unsatisfiable. */
export function byteRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined; // malformed or several ranges: the whole object, as S3
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) throw unsatisfiable(header, size);
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return undefined;
  }
  if (start >= size) throw unsatisfiable(header, size);
  return { start, end };
}

const unsatisfiable = (range: string, size: number) =>
  new S3WireError('InvalidRange', 'The requested range is not satisfiable', { RangeRequested: range, ActualObjectSize: size });

function read(req: S3Request, objects: Parameters<S3Handler>[0], head: boolean): S3Response {
  const { info, fd } = objects.open(req.bucket!, req.key!);
  let handedOver = false;
  try {
    const early = preconditions(req, info);
    if (early) return early;
    const range = byteRange(req.headers.range as string | undefined, info.size);
    const headers = objectHeaders(info, !range && String(req.headers['x-amz-checksum-mode'] ?? '').toUpperCase() === 'ENABLED');
    for (const [param, header] of [['response-content-type', 'content-type'], ['response-content-disposition', 'content-disposition'],
      ['response-cache-control', 'cache-control'], ['response-content-encoding', 'content-encoding'], ['response-content-language', 'content-language'], ['response-expires', 'expires']]) {
      const v = req.query.get(param);
      if (v !== null) headers[header] = v;
    }
    if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${info.size}`;
    const start = range?.start ?? 0;
    const end = range?.end ?? info.size - 1;
    headers['content-length'] = String(end - start + 1);
    if (head || end < start) return { status: range ? 206 : 200, headers };
    handedOver = true;
    return { status: range ? 206 : 200, headers, file: { fd, start, end } };
  } finally {
    // The file is handed over only for a body; otherwise closed here.
    if (!handedOver) fs.closeSync(fd);
  }
}

export const getObject: S3Handler = (objects, req) => read(req, objects, false);

export const headObject: S3Handler = (objects, req) => read(req, objects, true);

export const deleteObject: S3Handler = async (objects, req) => {
  await objects.delete(req.bucket!, req.key!);
  return { status: 204 };
};

/** DeleteObjects: up to 1,000 keys; each deleted (idempotently) or reported; Quiet leaves out the successes. */
export const deleteObjects: S3Handler = async (objects, req) => {
  const xml = req.body.toString('utf8');
  if (!looksLikeXml(xml, 'Delete')) throw new S3WireError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  const keys = xmlValues(xml, 'Object').map((o) => xmlValues(o, 'Key')[0]);
  if (!keys.length || keys.length > 1000 || keys.some((k) => k === undefined)) {
    throw new S3WireError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  }
  const quiet = xmlValues(xml, 'Quiet')[0]?.trim() === 'true';
  objects.headBucket(req.bucket!);
  let out = '';
  for (const key of keys as string[]) {
    try {
      await objects.delete(req.bucket!, key);
      if (!quiet) out += `<Deleted>${el('Key', key)}</Deleted>`;
    } catch (e) {
      out += `<Error>${el('Key', key)}${el('Code', 'InternalError')}${el('Message', (e as Error).message)}</Error>`;
    }
  }
  return { body: xmlDocument('DeleteResult', out) };
};

/** CopyObject: `x-amz-copy-source: [/]bucket/key` (URL-encoded); `x-amz-metadata-directive: COPY | REPLACE`. */
export const copyObject: S3Handler = async (objects, req) => {
  const source = String(req.headers['x-amz-copy-source']);
  const raw = source.replace(/^\//, '').split('?')[0];
  const slash = raw.indexOf('/');
  if (slash <= 0 || slash === raw.length - 1) throw new S3WireError('InvalidArgument', 'Invalid copy source object key', { ArgumentName: 'x-amz-copy-source', ArgumentValue: source });
  let src: { bucket: string; key: string };
  try {
    src = { bucket: decodeURIComponent(raw.slice(0, slash)), key: decodeURIComponent(raw.slice(slash + 1)) };
  } catch {
    throw new S3WireError('InvalidArgument', 'Invalid copy source encoding', { ArgumentName: 'x-amz-copy-source', ArgumentValue: source });
  }
  const directive = String(req.headers['x-amz-metadata-directive'] ?? 'COPY').toUpperCase();
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw new S3WireError('InvalidArgument', 'Unknown metadata directive.', { ArgumentName: 'x-amz-metadata-directive', ArgumentValue: directive });
  }
  const info = await objects.copy(src, { bucket: req.bucket!, key: req.key! }, directive === 'REPLACE' ? attributesOf(req) : undefined);
  return { body: xmlDocument('CopyObjectResult', `${el('LastModified', isoTime(info.lastModified))}${el('ETag', info.etag)}`) };
};
