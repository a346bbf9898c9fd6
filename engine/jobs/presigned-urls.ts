/**
 * Presigned-URL placeholders in a job document: `${aws:iot:s3-presigned-url:<S3 object URL>}` is replaced, each time a
 * device receives the document (MQTT or HTTP), by a URL of the engine's local S3 that serves that object until
 * `presignedUrlConfig.expiresInSec` (default 3600) has passed: a SigV4 query-signed GET (`X-Amz-Expires`,
 * `UNSIGNED-PAYLOAD`, host signed), which the local S3 verifies as AWS's does and refuses once expired.
 *
 * LIMITATIONS: the `roleArn` is not assumed; the URL is signed with an access key the engine accepts (the first
 * configured key, else the local one), so it carries that key's rights rather than the role's.
 */
import { createHash, createHmac } from 'node:crypto';
import { LOCAL_REGION } from '../core/index.js';
import { parseS3ObjectUrl, type S3ObjectRef } from './s3-object-url.js';

export const DEFAULT_PRESIGNED_EXPIRY_S = 3600;
const PLACEHOLDER = /\$\{aws:iot:s3-presigned-url:([^}]*)\}/g;

export interface PresignKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface Presigner {
  /** The local HTTP endpoint's base URL (`http://127.0.0.1:8080`), or undefined before it listens. */
  endpoint(): string | undefined;
  key(): PresignKey;
  now(): number;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
const isoBasic = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** A path-style presigned GET of the object on the local S3, valid for `expiresS` seconds from `now`. */
export function presignObjectUrl(endpoint: string, ref: S3ObjectRef, key: PresignKey, now: number, expiresS: number): string {
  const base = new URL(endpoint);
  const path = `/${encode(ref.bucket)}/${ref.key.split('/').map(encode).join('/')}`;
  const amzDate = isoBasic(now);
  const date = amzDate.slice(0, 8);
  const scope = `${date}/${LOCAL_REGION}/s3/aws4_request`;
  const params: Array<[string, string]> = [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${key.accessKeyId}/${scope}`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', String(expiresS)],
    ['X-Amz-SignedHeaders', 'host'],
  ];
  const query = params.map(([k, v]) => [encode(k), encode(v)] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join('&');
  const canonical = ['GET', path, query, `host:${base.host}\n`, 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac('AWS4' + key.secretAccessKey, date), LOCAL_REGION), 's3'), 'aws4_request');
  const signature = hmac(signingKey, toSign).toString('hex');
  return `${base.protocol}//${base.host}${path}?${query}&X-Amz-Signature=${signature}`;
}

/** Whether a document has any presigned-URL placeholder. */
export function hasPresignedPlaceholders(document: string): boolean {
  PLACEHOLDER.lastIndex = 0;
  return PLACEHOLDER.test(document);
}

/** The S3 object URLs of a document's placeholders that are not S3 object URLs (CreateJob refuses those). */
export function badPresignedPlaceholders(document: string): string[] {
  return [...document.matchAll(PLACEHOLDER)].map((m) => m[1]).filter((u) => !parseS3ObjectUrl(u));
}

/**
 * The document with every placeholder replaced by a fresh presigned URL. The document is JSON, so the URL is escaped
 * as a JSON string's content (it has no character that needs it, but a placeholder may sit inside any string).
 */
export function resolvePresignedUrls(document: string, presigner: Presigner, expiresInSec = DEFAULT_PRESIGNED_EXPIRY_S): string {
  const endpoint = presigner.endpoint();
  if (!endpoint || !hasPresignedPlaceholders(document)) return document;
  const now = presigner.now();
  return document.replace(PLACEHOLDER, (whole, url: string) => {
    const ref = parseS3ObjectUrl(url);
    return ref ? JSON.stringify(presignObjectUrl(endpoint, ref, presigner.key(), now, expiresInSec)).slice(1, -1) : whole;
  });
}
