/**
 * Which requests are S3's on the one endpoint, and which bucket and key they name.
 * - Virtual-host style: `Host: <bucket>.s3.localhost[:port]` or `<bucket>.localhost[:port]` (names under
 *   localhost are loopback by definition, so the Host guard admits them);
 * - path style `/<bucket>/<key>`: on `Host: s3.localhost`, or on any host when the request is signed for the
 *   service `s3` (Authorization header or presigned `X-Amz-Credential`) or is a Signature Version 2 presigned URL
 *   (only S3 has those; accepted on loopback, where signatures are not checked, and refused off it).
 * An unsigned request to `127.0.0.1` or `localhost` is not S3's: those paths belong to the IoT REST APIs
 * (`/things/…`, `/topics/…`), so unsigned tools (curl, a browser) use `s3.localhost` or a presigned URL.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { parseHostHeader } from '../../../core/index.js';
import { credentialScope } from '../protocols/index.js';
import { S3WireError } from './s3-errors.js';

export interface S3Address {
  /** Undefined for the service itself (ListBuckets). */
  bucket?: string;
  /** Undefined for a bucket-level request. */
  key?: string;
  style: 'path' | 'virtual';
}

const VIRTUAL = [/^(.+)\.s3\.localhost$/, /^(.+)\.localhost$/];

export function isS3Request(rawQuery: string, headers: IncomingHttpHeaders): boolean {
  const host = hostOf(headers);
  if (host === 's3.localhost' || VIRTUAL.some((re) => re.test(host ?? ''))) return true;
  // Signature Version 2 exists only on S3: boto3's default presigned URLs (`AWSAccessKeyId`, `Signature`, `Expires`).
  if (/(?:^|&)AWSAccessKeyId=/.test(rawQuery) && /(?:^|&)Signature=/.test(rawQuery)) return true;
  return credentialScope(headers, rawQuery)?.service === 's3';
}

export function s3Address(rawPath: string, headers: IncomingHttpHeaders): S3Address {
  const host = hostOf(headers) ?? '';
  for (const re of VIRTUAL) {
    const m = re.exec(host);
    if (m && host !== 's3.localhost') {
      const key = rawPath.length > 1 ? decode(rawPath.slice(1)) : undefined;
      return { bucket: m[1], key, style: 'virtual' };
    }
  }
  const rest = rawPath.slice(1);
  if (!rest) return { style: 'path' };
  const slash = rest.indexOf('/');
  if (slash < 0) return { bucket: decode(rest), style: 'path' };
  const key = rest.slice(slash + 1);
  return { bucket: decode(rest.slice(0, slash)), key: key ? decode(key) : undefined, style: 'path' };
}

function hostOf(headers: IncomingHttpHeaders): string | undefined {
  return headers.host ? parseHostHeader(headers.host)?.name : undefined;
}

function decode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new S3WireError('InvalidURI', "Couldn't parse the specified URI.", {}, 400);
  }
}
