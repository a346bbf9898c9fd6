import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeS3Body, decodeS3Stream, S3BodyDecoder } from './s3-body.js';
import { byteRange } from './s3-objects.js';
import { s3Operation } from './s3-service.js';

const crc32 = (d: Buffer) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE((zlib as unknown as { crc32(d: Buffer): number }).crc32(d) >>> 0);
  return b.toString('base64');
};
const data = Buffer.from('hello, chunked world');

describe('S3 request bodies', () => {
  it('decodes STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32 trailer, as current SDKs send it', () => {
    const raw = Buffer.concat([Buffer.from('7\r\n'), data.subarray(0, 7), Buffer.from('\r\n'), Buffer.from(`${(data.length - 7).toString(16)}\r\n`), data.subarray(7),
      Buffer.from(`\r\n0\r\nx-amz-checksum-crc32:${crc32(data)}\r\n\r\n`)]);
    const headers = { 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'content-encoding': 'aws-chunked', 'x-amz-trailer': 'x-amz-checksum-crc32', 'x-amz-decoded-content-length': String(data.length) };
    expect(decodeS3Body(raw, headers)).toEqual({ data, checksums: { 'x-amz-checksum-crc32': crc32(data) } });
    const bad = Buffer.from(raw.toString('latin1').replace(crc32(data), crc32(Buffer.from('other'))), 'latin1');
    expect(() => decodeS3Body(bad, headers)).toThrow('The CRC32 you specified did not match the calculated checksum.');
  });

  it('decodes STREAMING-AWS4-HMAC-SHA256-PAYLOAD chunks (with their signatures) and refuses a truncated body', () => {
    const sig = 'a'.repeat(64);
    const raw = Buffer.from(`${data.length.toString(16)};chunk-signature=${sig}\r\n${data}\r\n0;chunk-signature=${sig}\r\n\r\n`);
    const headers = { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'x-amz-decoded-content-length': String(data.length) };
    expect(decodeS3Body(raw, headers).data).toEqual(data);
    expect(() => decodeS3Body(raw.subarray(0, 30), headers)).toThrow('The request body terminated unexpectedly');
  });

  it('checks Content-MD5 and checksum headers of plain bodies', () => {
    const md5 = crypto.createHash('md5').update(data).digest('base64');
    expect(decodeS3Body(data, { 'content-md5': md5, 'x-amz-checksum-crc32': crc32(data) }).data).toEqual(data);
    expect(() => decodeS3Body(data, { 'content-md5': crypto.createHash('md5').update('x').digest('base64') })).toThrow('The Content-MD5 you specified did not match what we received.');
    expect(() => decodeS3Body(data, { 'content-md5': 'nope' })).toThrow('The Content-MD5 you specified was invalid.');
    const sha256 = crypto.createHash('sha256').update('x').digest('base64');
    expect(() => decodeS3Body(data, { 'x-amz-checksum-sha256': sha256 })).toThrow('The SHA256 you specified did not match the calculated checksum.');
  });
});

describe('S3 request bodies read as they arrive', () => {
  const sig = 'b'.repeat(64);
  const chunked = Buffer.concat([Buffer.from(`5;chunk-signature=${sig}\r\n`), data.subarray(0, 5), Buffer.from(`\r\n${(data.length - 5).toString(16)};chunk-signature=${sig}\r\n`),
    data.subarray(5), Buffer.from(`\r\n0;chunk-signature=${sig}\r\nx-amz-checksum-crc32:${crc32(data)}\r\n\r\n`)]);
  const headers = { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', 'x-amz-trailer': 'x-amz-checksum-crc32', 'x-amz-decoded-content-length': String(data.length) };
  const collect = async (pieces: Buffer[], h: Record<string, string>, opts = {}) => {
    const decoder = new S3BodyDecoder(h, { ...opts, rawSha256: true });
    const out: Buffer[] = [];
    for await (const b of decodeS3Stream((async function* () { yield* pieces; })(), decoder)) out.push(Buffer.from(b));
    return { data: Buffer.concat(out), checksums: decoder.checksums, sha: decoder.rawSha256() };
  };

  it('decodes the same whatever the pieces the body arrives in, one byte at a time included', async () => {
    for (const size of [1, 2, 3, 7, 64, chunked.length]) {
      const pieces = Array.from({ length: Math.ceil(chunked.length / size) }, (_, i) => chunked.subarray(i * size, (i + 1) * size));
      expect(await collect(pieces, headers)).toEqual({ data, checksums: { 'x-amz-checksum-crc32': crc32(data) }, sha: crypto.createHash('sha256').update(chunked).digest('hex') });
    }
  });

  it('refuses a body past its limit, a bad trailer checksum and a truncated body', async () => {
    await expect(collect([data], {}, { limit: data.length - 1 })).rejects.toThrow('Your proposed upload exceeds the maximum allowed size');
    expect((await collect([data], {}, { limit: data.length })).data).toEqual(data);
    const bad = Buffer.from(chunked.toString('latin1').replace(crc32(data), crc32(Buffer.from('other'))), 'latin1');
    await expect(collect([bad], headers)).rejects.toThrow('The CRC32 you specified did not match the calculated checksum.');
    await expect(collect([chunked.subarray(0, chunked.length - 60)], headers)).rejects.toThrow('The request body terminated unexpectedly');
  });
});

describe('S3 ranges and operations', () => {
  it.each([
    ['bytes=0-4', 10, { start: 0, end: 4 }], ['bytes=5-', 10, { start: 5, end: 9 }], ['bytes=-3', 10, { start: 7, end: 9 }],
    ['bytes=-30', 10, { start: 0, end: 9 }], ['bytes=8-100', 10, { start: 8, end: 9 }], ['bytes=0-1,3-4', 10, undefined], ['pages=1-2', 10, undefined],
    ['bytes=5-2', 10, undefined], [undefined, 10, undefined],
  ])('%s of %i bytes → %o', (header, size, range) => {
    expect(byteRange(header, size)).toEqual(range);
  });

  it('refuses unsatisfiable ranges with InvalidRange', () => {
    expect(() => byteRange('bytes=10-', 10)).toThrow('The requested range is not satisfiable');
    expect(() => byteRange('bytes=0-', 0)).toThrow('The requested range is not satisfiable');
    expect(() => byteRange('bytes=-0', 10)).toThrow('The requested range is not satisfiable');
  });

  it.each([
    ['GET', undefined, undefined, '', 'ListBuckets'], ['PUT', 'b', undefined, '', 'CreateBucket'], ['GET', 'b', undefined, 'list-type=2&prefix=a', 'ListObjectsV2'],
    ['GET', 'b', undefined, 'prefix=a', 'ListObjects'], ['GET', 'b', undefined, 'location', 'GetBucketLocation'], ['POST', 'b', undefined, 'delete', 'DeleteObjects'],
    ['PUT', 'b', 'k', 'x-id=PutObject', 'PutObject'], ['GET', 'b', 'k', 'x-id=GetObject', 'GetObject'], ['POST', 'b', 'k', 'uploads', 'CreateMultipartUpload'],
    ['PUT', 'b', 'k', 'partNumber=1&uploadId=u', 'UploadPart'], ['POST', 'b', 'k', 'uploadId=u', 'CompleteMultipartUpload'],
    ['DELETE', 'b', 'k', 'uploadId=u', 'AbortMultipartUpload'], ['GET', 'b', 'k', 'uploadId=u', 'ListParts'], ['DELETE', 'b', 'k', '', 'DeleteObject'],
  ])('%s bucket=%s key=%s ?%s → %s', (method, bucket, key, query, operation) => {
    expect(s3Operation(method, bucket, key, new URLSearchParams(query), {})[0]).toBe(operation);
  });

  it('answers what it does not do with NotImplemented or MethodNotAllowed', () => {
    expect(() => s3Operation('GET', 'b', undefined, new URLSearchParams('versioning'), {})).toThrow('A header you provided implies functionality that is not implemented');
    expect(() => s3Operation('PUT', 'b', 'k', new URLSearchParams('partNumber=1&uploadId=u'), { 'x-amz-copy-source': 'b/x' })).toThrow('not implemented');
    expect(() => s3Operation('POST', undefined, undefined, new URLSearchParams(), {})).toThrow('The specified method is not allowed against this resource.');
  });
});
