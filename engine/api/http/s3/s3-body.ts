/**
 * An S3 request body as the object's bytes: plain, or `aws-chunked` as SDKs send it — SigV4 streaming
 * (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`, `<hex size>;chunk-signature=<sig>\r\n<data>\r\n`…`0;chunk-signature=…`) or
 * unsigned with trailers (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`, `<hex size>\r\n<data>\r\n`…`0\r\n`
 * `x-amz-checksum-crc32:<base64>\r\n\r\n`, what current SDKs send by default). Checksums sent as headers or
 * trailers are verified where Node computes them (Content-MD5, CRC32, SHA-1, SHA-256); a mismatch is BadDigest.
 *
 * LIMITATIONS: chunk signatures are not verified (the request's own signature is checked off loopback); CRC32C and
 * CRC64NVME checksums are accepted unverified.
 */
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import zlib from 'node:zlib';
import { S3WireError } from './s3-errors.js';

export interface DecodedBody { data: Buffer; checksums: Record<string, string> }

export function decodeS3Body(raw: Buffer, headers: IncomingHttpHeaders): DecodedBody {
  const sha = String(headers['x-amz-content-sha256'] ?? '');
  const encoding = String(headers['content-encoding'] ?? '');
  const chunked = sha.startsWith('STREAMING-') || encoding.split(',').map((s) => s.trim()).includes('aws-chunked');
  const checksums: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-checksum-') && name !== 'x-amz-checksum-type' && name !== 'x-amz-checksum-algorithm' && typeof value === 'string') checksums[name] = value;
  }
  const data = chunked ? dechunk(raw, checksums) : raw;
  if (chunked && headers['x-amz-decoded-content-length'] !== undefined && Number(headers['x-amz-decoded-content-length']) !== data.length) {
    throw new S3WireError('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header');
  }
  verify(data, headers, checksums);
  return { data, checksums };
}

function dechunk(raw: Buffer, trailers: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) throw incomplete();
    const header = raw.subarray(at, eol).toString('latin1');
    const size = parseInt(header.split(';')[0], 16);
    if (!Number.isFinite(size) || size < 0) throw incomplete();
    at = eol + 2;
    if (size === 0) break;
    if (at + size + 2 > raw.length) throw incomplete();
    parts.push(raw.subarray(at, at + size));
    at += size + 2;
  }
  // Trailers: `name:value\r\n` lines up to an empty line (or the end).
  while (at < raw.length) {
    const eol = raw.indexOf('\r\n', at);
    const line = raw.subarray(at, eol < 0 ? raw.length : eol).toString('latin1');
    at = eol < 0 ? raw.length : eol + 2;
    if (!line) break;
    const colon = line.indexOf(':');
    if (colon > 0) {
      const name = line.slice(0, colon).trim().toLowerCase();
      if (name.startsWith('x-amz-checksum-')) trailers[name] = line.slice(colon + 1).trim();
    }
  }
  return Buffer.concat(parts);
}

const incomplete = () => new S3WireError('IncompleteBody', 'The request body terminated unexpectedly');

type Digest = (data: Buffer) => string;
const crc32 = (zlib as unknown as { crc32?: (d: Buffer) => number }).crc32;
const digests: Record<string, [string, Digest | undefined]> = {
  'x-amz-checksum-crc32': ['CRC32', crc32 && ((d) => { const b = Buffer.alloc(4); b.writeUInt32BE(crc32(d) >>> 0); return b.toString('base64'); })],
  'x-amz-checksum-sha1': ['SHA1', (d) => crypto.createHash('sha1').update(d).digest('base64')],
  'x-amz-checksum-sha256': ['SHA256', (d) => crypto.createHash('sha256').update(d).digest('base64')],
};

function verify(data: Buffer, headers: IncomingHttpHeaders, checksums: Record<string, string>): void {
  const md5 = headers['content-md5'];
  if (typeof md5 === 'string') {
    if (!/^[A-Za-z0-9+/]{22}==$/.test(md5)) throw new S3WireError('InvalidDigest', 'The Content-MD5 you specified was invalid.');
    if (crypto.createHash('md5').update(data).digest('base64') !== md5) throw new S3WireError('BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  for (const [name, value] of Object.entries(checksums)) {
    const [label, digest] = digests[name] ?? [];
    if (digest && digest(data) !== value) throw new S3WireError('BadDigest', `The ${label} you specified did not match the calculated checksum.`);
  }
}
