/**
 * ListObjectsV2 and ListObjects (V1). Keys come in UTF-8 byte order; a continuation token is opaque (the last key or
 * common prefix returned); `encoding-type=url` URL-encodes keys and prefixes in the answer, as the AWS CLI asks.
 */
import type { ListResult } from '../../../objects/index.js';
import { S3WireError } from './s3-errors.js';
import { ACCOUNT_ID } from './s3-owner.js';
import type { S3Handler, S3Request } from './s3-types.js';
import { el, isoTime, xmlDocument } from './s3-xml.js';

interface Position { value: string; isPrefix: boolean }

const encodeToken = (p: Position) => Buffer.from(JSON.stringify([p.value, p.isPrefix ? 1 : 0])).toString('base64');
function decodeToken(token: string): Position {
  try {
    const [value, isPrefix] = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as [unknown, unknown];
    if (typeof value === 'string') return { value, isPrefix: isPrefix === 1 };
  } catch { /* below */ }
  throw new S3WireError('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
}

function maxKeys(req: S3Request): number {
  const raw = req.query.get('max-keys');
  if (raw === null) return 1000;
  if (!/^\d+$/.test(raw)) throw new S3WireError('InvalidArgument', 'Provided max-keys not an integer or within integer range', { ArgumentName: 'max-keys', ArgumentValue: raw });
  return Math.min(Number(raw), 1000);
}

function encoder(req: S3Request): (s: string) => string {
  const type = req.query.get('encoding-type');
  if (type === null) return (s) => s;
  if (type !== 'url') throw new S3WireError('InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: type });
  return (s) => encodeURIComponent(s).replace(/%2F/g, '/');
}

/** Keys and common prefixes; the owner only where S3 sends it (always in V1, with `fetch-owner=true` in V2). */
function entries(result: ListResult, enc: (s: string) => string, owner: boolean): string {
  const contents = result.objects.map((o) =>
    `<Contents>${el('Key', enc(o.key))}${el('LastModified', isoTime(o.lastModified))}${el('ETag', o.etag)}${el('Size', o.size)}`
    + `${owner ? `<Owner>${el('ID', ACCOUNT_ID)}${el('DisplayName', 'thingbench')}</Owner>` : ''}${el('StorageClass', 'STANDARD')}</Contents>`).join('');
  return contents + result.commonPrefixes.map((p) => `<CommonPrefixes>${el('Prefix', enc(p))}</CommonPrefixes>`).join('');
}

export const listObjectsV2: S3Handler = (objects, req) => {
  const enc = encoder(req);
  const prefix = req.query.get('prefix') ?? '';
  const delimiter = req.query.get('delimiter') ?? '';
  const token = req.query.get('continuation-token');
  const startAfter = req.query.get('start-after') ?? undefined;
  const max = maxKeys(req);
  const from = token !== null ? decodeToken(token) : startAfter !== undefined ? { value: startAfter, isPrefix: false } : undefined;
  const result = objects.list(req.bucket!, { prefix, delimiter, after: from?.value, afterIsPrefix: from?.isPrefix, maxKeys: max });
  const count = result.objects.length + result.commonPrefixes.length;
  const body = el('Name', req.bucket!) + el('Prefix', enc(prefix)) + (delimiter ? el('Delimiter', enc(delimiter)) : '') + el('MaxKeys', max)
    + (req.query.get('encoding-type') ? el('EncodingType', 'url') : '') + el('KeyCount', count) + el('IsTruncated', result.truncated)
    + (token !== null ? el('ContinuationToken', token) : '') + (startAfter !== undefined ? el('StartAfter', enc(startAfter)) : '')
    + (result.truncated && result.last ? el('NextContinuationToken', encodeToken(result.last)) : '') + entries(result, enc, req.query.get('fetch-owner') === 'true');
  return { body: xmlDocument('ListBucketResult', body) };
};

/** V1: `marker` lists after a key (after a common prefix when it ends with the delimiter); NextMarker only with a delimiter, as S3. */
export const listObjectsV1: S3Handler = (objects, req) => {
  const enc = encoder(req);
  const prefix = req.query.get('prefix') ?? '';
  const delimiter = req.query.get('delimiter') ?? '';
  const marker = req.query.get('marker') ?? '';
  const max = maxKeys(req);
  const isPrefix = !!delimiter && !!marker && marker.endsWith(delimiter) && marker.startsWith(prefix);
  const result = objects.list(req.bucket!, { prefix, delimiter, after: marker || undefined, afterIsPrefix: isPrefix, maxKeys: max });
  const body = el('Name', req.bucket!) + el('Prefix', enc(prefix)) + el('Marker', enc(marker)) + (delimiter ? el('Delimiter', enc(delimiter)) : '')
    + el('MaxKeys', max) + (req.query.get('encoding-type') ? el('EncodingType', 'url') : '') + el('IsTruncated', result.truncated)
    + (result.truncated && delimiter && result.last ? el('NextMarker', enc(result.last.value)) : '') + entries(result, enc, true);
  return { body: xmlDocument('ListBucketResult', body) };
};
