/**
 * The local S3 on the engine's endpoint, through the AWS SDK v3 client (path-style and virtual-host-style, with the
 * checksums it sends by default, aws-chunked streaming bodies, multipart uploads), presigned URLs fetched with
 * `fetch`, Debian's AWS CLI v2 (`aws s3 mb/cp/ls/sync/rm`, `aws s3api`), a Firehose delivery read back as an object,
 * and S3's errors as XML.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { Readable } from 'node:stream';
import { execFile, execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand,
  DeleteBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand,
  ListBucketsCommand, ListObjectsV2Command, ListObjectsCommand, paginateListObjectsV2, PutObjectCommand, S3Client, UploadPartCommand,
  NoSuchKey, NoSuchBucket, BucketAlreadyOwnedByYou, S3ServiceException,
} from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { awsCliEnv, awsCliJson, describeAwsCli, runAwsCli } from '../helpers/aws-cli.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { createEngine, type Engine } from '../../engine/engine.js';
import { defaultConfig } from '../../engine/config.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { startCli } from './helpers/cli-process.js';

let tb: TestEngine;
let s3: S3Client;
let port: number;
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };
const md5 = (b: Buffer | string) => crypto.createHash('md5').update(b).digest('hex');
/** Resolves every name to loopback, as `*.localhost` does on systems with systemd-resolved (this one may not). */
const loopbackAgent = new http.Agent({
  keepAlive: true,
  lookup: ((_host: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) =>
    opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)) as never,
});

beforeAll(async () => {
  tb = await startTestEngine();
  port = Number(new URL(tb.httpUrl).port);
  s3 = new S3Client({ endpoint: tb.httpUrl, region: 'us-east-1', credentials, forcePathStyle: true });
});
afterAll(async () => {
  s3?.destroy();
  loopbackAgent.destroy();
  await tb.stop();
});

const errorOf = async (p: Promise<unknown>) => p.then(() => undefined, (e: S3ServiceException) => ({ name: e.name, status: e.$metadata?.httpStatusCode, message: e.message }));

describe('S3 through the AWS SDK v3 (path-style)', () => {
  it('creates, heads, lists and deletes buckets with S3 errors', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-buckets' }));
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toContain('sdk-buckets');
    await s3.send(new HeadBucketCommand({ Bucket: 'sdk-buckets' }));
    await expect(s3.send(new CreateBucketCommand({ Bucket: 'sdk-buckets' }))).rejects.toBeInstanceOf(BucketAlreadyOwnedByYou);
    expect(await errorOf(s3.send(new HeadBucketCommand({ Bucket: 'no-such-bucket' })))).toMatchObject({ name: 'NotFound', status: 404 });
    await expect(s3.send(new ListObjectsV2Command({ Bucket: 'no-such-bucket' }))).rejects.toBeInstanceOf(NoSuchBucket);
    expect(await errorOf(s3.send(new CreateBucketCommand({ Bucket: 'Bad_Bucket' })))).toMatchObject({ name: 'InvalidBucketName', status: 400, message: 'The specified bucket is not valid.' });
    await s3.send(new PutObjectCommand({ Bucket: 'sdk-buckets', Key: 'k', Body: 'v' }));
    expect(await errorOf(s3.send(new DeleteBucketCommand({ Bucket: 'sdk-buckets' })))).toMatchObject({ name: 'BucketNotEmpty', status: 409 });
    await s3.send(new DeleteObjectCommand({ Bucket: 'sdk-buckets', Key: 'k' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'sdk-buckets', Key: 'k' })); // idempotent
    await s3.send(new DeleteBucketCommand({ Bucket: 'sdk-buckets' }));
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).not.toContain('sdk-buckets');
  });

  it('puts and gets objects with metadata, ranges, conditions and the default checksums (header and aws-chunked trailer)', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-objects' }));
    const put = await s3.send(new PutObjectCommand({ Bucket: 'sdk-objects', Key: 'dir/hello world.txt', Body: 'hello, world', ContentType: 'text/plain', Metadata: { owner: 'lab' } }));
    expect(put.ETag).toBe(`"${md5('hello, world')}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'sdk-objects', Key: 'dir/hello world.txt' }));
    expect(await got.Body!.transformToString()).toBe('hello, world');
    expect(got).toMatchObject({ ContentType: 'text/plain', Metadata: { owner: 'lab' }, ContentLength: 12, ETag: put.ETag });
    const range = await s3.send(new GetObjectCommand({ Bucket: 'sdk-objects', Key: 'dir/hello world.txt', Range: 'bytes=7-' }));
    expect(range.$metadata.httpStatusCode).toBe(206);
    expect(range.ContentRange).toBe('bytes 7-11/12');
    expect(await range.Body!.transformToString()).toBe('world');
    expect(await errorOf(s3.send(new GetObjectCommand({ Bucket: 'sdk-objects', Key: 'dir/hello world.txt', Range: 'bytes=50-' })))).toMatchObject({ name: 'InvalidRange', status: 416 });
    expect(await errorOf(s3.send(new GetObjectCommand({ Bucket: 'sdk-objects', Key: 'dir/hello world.txt', IfNoneMatch: put.ETag })))).toMatchObject({ status: 304 });
    expect(await errorOf(s3.send(new GetObjectCommand({ Bucket: 'sdk-objects', Key: 'dir/hello world.txt', IfMatch: '"0"' })))).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    // The CRC32 the SDK sent is kept and returned when asked for, as S3's (and checked by the SDK on the way back).
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE((zlib as unknown as { crc32(d: Buffer): number }).crc32(Buffer.from('hello, world')) >>> 0);
    const withSum = await s3.send(new GetObjectCommand({ Bucket: 'sdk-objects', Key: 'dir/hello world.txt', ChecksumMode: 'ENABLED' }));
    expect([withSum.ChecksumCRC32, await withSum.Body!.transformToString()]).toEqual([crc.toString('base64'), 'hello, world']);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'sdk-objects', Key: 'dir/hello world.txt' }));
    expect(head).toMatchObject({ ContentLength: 12, ETag: put.ETag, ContentType: 'text/plain' });
    await expect(s3.send(new GetObjectCommand({ Bucket: 'sdk-objects', Key: 'missing' }))).rejects.toBeInstanceOf(NoSuchKey);
    expect(await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'sdk-objects', Key: 'missing' })))).toMatchObject({ name: 'NotFound', status: 404 });

    // A stream of known length: the SDK sends it aws-chunked with a CRC32 trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER).
    const bytes = crypto.randomBytes(200_000);
    const streamed = await s3.send(new PutObjectCommand({ Bucket: 'sdk-objects', Key: 'streamed.bin', Body: Readable.from([bytes.subarray(0, 70_000), bytes.subarray(70_000)]), ContentLength: bytes.length }));
    expect(streamed.ETag).toBe(`"${md5(bytes)}"`);
    const back = await s3.send(new GetObjectCommand({ Bucket: 'sdk-objects', Key: 'streamed.bin' }));
    expect(Buffer.from(await back.Body!.transformToByteArray()).equals(bytes)).toBe(true);
  });

  it('lists with prefix, delimiter and pages, V2 and V1, and copies and multi-deletes', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-list' }));
    const keys = ['a/1', 'a/2', 'a/b/3', 'b', 'c/x', 'z+plus sign'];
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: 'sdk-list', Key, Body: Key }));
    const top = await s3.send(new ListObjectsV2Command({ Bucket: 'sdk-list', Delimiter: '/' }));
    expect(top.Contents?.map((c) => c.Key)).toEqual(['b', 'z+plus sign']);
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/', 'c/']);
    expect(top.KeyCount).toBe(4);
    expect(top.Contents?.[0].Owner).toBeUndefined();
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'sdk-list', FetchOwner: true, MaxKeys: 1 }))).Contents?.[0].Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    const seen: string[] = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 2 }, { Bucket: 'sdk-list' })) {
      expect(page.KeyCount).toBeLessThanOrEqual(2);
      seen.push(...(page.Contents ?? []).map((c) => c.Key!));
    }
    expect(seen).toEqual(keys);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'sdk-list', StartAfter: 'a/b/3', Prefix: 'a' }))).Contents).toBeUndefined();
    const v1 = await s3.send(new ListObjectsCommand({ Bucket: 'sdk-list', Prefix: 'a/', Delimiter: '/', MaxKeys: 2 }));
    expect([v1.Contents?.map((c) => c.Key), v1.IsTruncated, v1.NextMarker]).toEqual([['a/1', 'a/2'], true, 'a/2']);

    const copy = await s3.send(new CopyObjectCommand({ Bucket: 'sdk-list', Key: 'copied', CopySource: 'sdk-list/z%2Bplus%20sign' }));
    expect(copy.CopyObjectResult?.ETag).toBe(`"${md5('z+plus sign')}"`);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'sdk-list', Key: 'copied' }))).Body!.transformToString()).toBe('z+plus sign');
    const del = await s3.send(new DeleteObjectsCommand({ Bucket: 'sdk-list', Delete: { Objects: [...keys, 'copied', 'never-there'].map((Key) => ({ Key })) } }));
    expect(del.Deleted?.map((d) => d.Key).sort()).toEqual([...keys, 'copied', 'never-there'].sort());
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'sdk-list' }))).KeyCount).toBe(0);
  });

  it("uploads in parts, with S3's md5-of-md5s ETag, and aborts an upload", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sdk-multipart' }));
    const p1 = crypto.randomBytes(5 * 1024 * 1024);
    const p2 = crypto.randomBytes(1000);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'sdk-multipart', Key: 'big.bin', ContentType: 'application/x-big' }));
    const e1 = (await s3.send(new UploadPartCommand({ Bucket: 'sdk-multipart', Key: 'big.bin', UploadId, PartNumber: 1, Body: p1 }))).ETag!;
    const e2 = (await s3.send(new UploadPartCommand({ Bucket: 'sdk-multipart', Key: 'big.bin', UploadId, PartNumber: 2, Body: p2 }))).ETag!;
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'sdk-multipart', Key: 'big.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: e2 }] } }));
    const expected = crypto.createHash('md5').update(Buffer.concat([Buffer.from(md5(p1), 'hex'), Buffer.from(md5(p2), 'hex')])).digest('hex');
    expect(done.ETag).toBe(`"${expected}-2"`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'sdk-multipart', Key: 'big.bin' }));
    expect(head).toMatchObject({ ContentLength: p1.length + p2.length, ContentType: 'application/x-big' });
    const aborted = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'sdk-multipart', Key: 'gone' }));
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'sdk-multipart', Key: 'gone', UploadId: aborted.UploadId }));
    expect(await errorOf(s3.send(new UploadPartCommand({ Bucket: 'sdk-multipart', Key: 'gone', UploadId: aborted.UploadId, PartNumber: 1, Body: 'x' })))).toMatchObject({ name: 'NoSuchUpload', status: 404 });
  });
});

describe('S3 addressing, presigned URLs and raw errors', () => {
  it('serves virtual-host-style requests on <bucket>.s3.localhost', async () => {
    const vhost = new S3Client({ endpoint: `http://s3.localhost:${port}`, region: 'us-east-1', credentials, requestHandler: { httpAgent: loopbackAgent } });
    try {
      await vhost.send(new CreateBucketCommand({ Bucket: 'vhost-bucket' }));
      await vhost.send(new PutObjectCommand({ Bucket: 'vhost-bucket', Key: 'nested/key.json', Body: '{"v":1}' }));
      expect(await (await vhost.send(new GetObjectCommand({ Bucket: 'vhost-bucket', Key: 'nested/key.json' }))).Body!.transformToString()).toBe('{"v":1}');
      // The same object path-style: one store.
      expect(await (await s3.send(new GetObjectCommand({ Bucket: 'vhost-bucket', Key: 'nested/key.json' }))).Body!.transformToString()).toBe('{"v":1}');
    } finally {
      vhost.destroy();
    }
  });

  it('answers presigned GET and PUT URLs fetched with fetch, and unsigned path-style requests on s3.localhost', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'presigned' }));
    const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
    const presign = async (method: string, key: string) => {
      const req = await signer.presign({ method, protocol: 'http:', hostname: '127.0.0.1', port, path: `/presigned/${key}`, headers: { host: `127.0.0.1:${port}` }, query: {} }, { expiresIn: 300 });
      const q = new URLSearchParams(req.query as Record<string, string>);
      return `${tb.httpUrl}/presigned/${key}?${q}`;
    };
    const put = await fetch(await presign('PUT', 'up.txt'), { method: 'PUT', body: 'uploaded by URL' });
    expect(put.status).toBe(200);
    expect(put.headers.get('etag')).toBe(`"${md5('uploaded by URL')}"`);
    const get = await fetch(await presign('GET', 'up.txt'));
    expect([get.status, await get.text()]).toEqual([200, 'uploaded by URL']);

    const missing = await fetch(await presign('GET', 'nope.txt'));
    expect(missing.status).toBe(404);
    const xml = await missing.text();
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>NoSuchKey<\/Code><Message>The specified key does not exist.<\/Message><Key>nope.txt<\/Key><Resource>\/presigned\/nope.txt<\/Resource><RequestId>[^<]+<\/RequestId>/);

    // Unsigned, on s3.localhost: path-style S3 (on 127.0.0.1 the same path would be the IoT REST API's).
    const unsigned = await rawGet('127.0.0.1', port, '/no-such-bucket/x', `s3.localhost:${port}`);
    expect(unsigned.status).toBe(404);
    expect(unsigned.body).toContain('<Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>no-such-bucket</BucketName>');
  });

  it("refuses a body over S3's 5 GiB single-PUT limit before reading it, and keeps nothing of an upload cut off midway", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'limits' }));
    const tooBig = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'PUT', path: '/limits/huge', headers: { host: `s3.localhost:${port}`, 'content-length': String(5 * 1024 ** 3 + 1), expect: '100-continue' } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c)).on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('continue', () => reject(new Error('the engine asked for the body')));
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body).toContain('<Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message><ProposedSize>5368709121</ProposedSize><MaxSizeAllowed>5368709120</MaxSizeAllowed>');
    // 1 MB of a declared 10 MB, then the client goes away: no object, no file left behind.
    const blobs = path.join(tb.dataDir, 's3', 'blobs');
    const files = () => (fs.existsSync(blobs) ? fs.readdirSync(blobs).sort() : []);
    const kept = files();
    await new Promise<void>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'PUT', path: '/limits/cut', headers: { host: `s3.localhost:${port}`, 'content-length': String(10 * 1024 * 1024) } });
      req.on('error', () => resolve());
      req.write(crypto.randomBytes(1024 * 1024), () => setImmediate(() => req.destroy()));
    });
    await vi.waitFor(() => expect(files()).toEqual(kept));
    expect(await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'limits', Key: 'cut' })))).toMatchObject({ name: 'NotFound', status: 404 });
  });

  it('lands Firehose deliveries in S3, read back with GetObject', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'firehose-out' }));
    await tb.engine.api.sinks.create('firehose', 'to-s3', { bucket: 'firehose-out', prefix: 'telemetry/', bufferIntervalSeconds: 0 });
    const recorded = new Promise<void>((resolve) => {
      const sub = tb.engine.events.on('sinks.recorded', (batch) => {
        if (batch.some((r) => r.kind === 'firehose' && r.name === 'to-s3')) {
          sub.dispose();
          resolve();
        }
      });
    });
    await tb.engine.api.rules.put('to_firehose', {
      sql: "SELECT * FROM 'fh/in'", awsIotSqlVersion: '2016-03-23',
      actions: [{ firehose: { deliveryStreamName: 'to-s3', separator: '\n', roleArn: 'arn:aws:iam::123456789012:role/r' } }],
    });
    await tb.engine.api.broker.publish({ topic: 'fh/in', payload: '{"t":21}', qos: 1 });
    await recorded;
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'firehose-out', Prefix: 'telemetry/' }));
    expect(listed.KeyCount).toBe(1);
    expect(listed.Contents![0].Key).toMatch(/^telemetry\/\d{4}\/\d\d\/\d\d\/\d\d\/to-s3-1-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9a-f-]{36}$/);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'firehose-out', Key: listed.Contents![0].Key }))).Body!.transformToString()).toBe('{"t":21}\n');
  });
});

describe('S3 off loopback: SigV4 as S3 checks it', () => {
  let engine: Engine;
  let url: string;
  const key = { accessKeyId: 'AKIDS3TEST', secretAccessKey: 's3-test-secret' };
  beforeAll(async () => {
    engine = await createEngine(defaultConfig({ dataDir: tempDir('tb-s3-signed-'), host: '127.0.0.2', ports: { mqtt: 0, ws: 0, http: 0 }, security: { accessKeys: [key] } }));
    url = (await engine.start()).endpoints.http;
  });
  afterAll(() => engine?.stop());

  it('accepts the SDK signed, streamed with a trailer, and presigned; refuses a wrong secret, no signature and an expired URL', async () => {
    const signed = new S3Client({ endpoint: url, region: 'us-east-1', credentials: key, forcePathStyle: true });
    try {
      await signed.send(new CreateBucketCommand({ Bucket: 'signed-bucket' }));
      await signed.send(new PutObjectCommand({ Bucket: 'signed-bucket', Key: 'a key/with spaces+plus.txt', Body: 'signed body' }));
      const bytes = crypto.randomBytes(100_000);
      await signed.send(new PutObjectCommand({ Bucket: 'signed-bucket', Key: 'streamed', Body: Readable.from([bytes]), ContentLength: bytes.length }));
      expect(Buffer.from(await (await signed.send(new GetObjectCommand({ Bucket: 'signed-bucket', Key: 'streamed' }))).Body!.transformToByteArray()).equals(bytes)).toBe(true);
      expect(await (await signed.send(new GetObjectCommand({ Bucket: 'signed-bucket', Key: 'a key/with spaces+plus.txt' }))).Body!.transformToString()).toBe('signed body');
    } finally {
      signed.destroy();
    }
    // A body that is not the one whose SHA-256 was signed: refused once read, nothing stored.
    const hostHeader = new URL(url).host;
    const claimed = crypto.createHash('sha256').update('the signed body').digest('hex');
    const mismatch = await new SignatureV4({ service: 's3', region: 'us-east-1', credentials: key, sha256: Sha256, uriEscapePath: false, applyChecksum: false }).sign({
      method: 'PUT', protocol: 'http:', hostname: '127.0.0.2', path: '/signed-bucket/swapped', headers: { host: hostHeader, 'x-amz-content-sha256': claimed }, query: {}, body: 'the signed body',
    });
    const swapped = await fetch(`${url}/signed-bucket/swapped`, { method: 'PUT', headers: mismatch.headers as Record<string, string>, body: 'another body' });
    expect(swapped.status).toBe(400);
    expect(await swapped.text()).toMatch(/<Code>XAmzContentSHA256Mismatch<\/Code><Message>The provided &apos;x-amz-content-sha256&apos; header does not match what was computed.<\/Message><ClientComputedContentSHA256>[0-9a-f]{64}<\/ClientComputedContentSHA256>/);
    const checker = new S3Client({ endpoint: url, region: 'us-east-1', credentials: key, forcePathStyle: true });
    try {
      expect(await errorOf(checker.send(new HeadObjectCommand({ Bucket: 'signed-bucket', Key: 'swapped' })))).toMatchObject({ name: 'NotFound', status: 404 });
    } finally {
      checker.destroy();
    }
    const wrong = new S3Client({ endpoint: url, region: 'us-east-1', credentials: { ...key, secretAccessKey: 'wrong' }, forcePathStyle: true });
    try {
      expect(await errorOf(wrong.send(new GetObjectCommand({ Bucket: 'signed-bucket', Key: 'streamed' })))).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
    } finally {
      wrong.destroy();
    }
    const unsigned = await rawGet('127.0.0.2', Number(new URL(url).port), '/signed-bucket/streamed', `s3.localhost:${new URL(url).port}`);
    expect(unsigned.status).toBe(403);
    expect(unsigned.body).toContain('<Code>AccessDenied</Code><Message>Missing Authentication Token</Message>');

    const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials: key, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
    const host = new URL(url).host;
    const presign = async (method: string, signingDate = new Date(), expiresIn = 300) => {
      // As S3's presigners do: the payload is UNSIGNED-PAYLOAD, a header that is not itself signed or sent.
      const req = await signer.presign({ method, protocol: 'http:', hostname: '127.0.0.2', path: '/signed-bucket/a%20key/with%20spaces%2Bplus.txt', headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, query: {} },
        { expiresIn, signingDate, unsignableHeaders: new Set(['x-amz-content-sha256']) });
      return `${url}/signed-bucket/a%20key/with%20spaces%2Bplus.txt?${new URLSearchParams(req.query as Record<string, string>)}`;
    };
    const get = await fetch(await presign('GET'));
    expect([get.status, await get.text()]).toEqual([200, 'signed body']);
    const expired = await fetch(await presign('GET', new Date(Date.now() - 3_600_000), 60));
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('<Code>AccessDenied</Code><Message>Request has expired</Message>');
    const tampered = (await presign('GET')).replace('a%20key', 'b%20key');
    expect((await fetch(tampered)).status).toBe(403);
    // A presigned PUT names no payload hash: its signature is checked once the body is on disk, before it is stored.
    const put = await fetch(await presign('PUT'), { method: 'PUT', body: 'put by URL' });
    expect(put.status).toBe(200);
    expect(await (await fetch(await presign('GET'))).text()).toBe('put by URL');
    const forged = await fetch((await presign('PUT')).replace(/X-Amz-Signature=[0-9a-f]{8}/, 'X-Amz-Signature=00000000'), { method: 'PUT', body: 'forged' });
    expect(forged.status).toBe(403);
    expect(await (await fetch(await presign('GET'))).text()).toBe('put by URL');
  });
});

describe('S3 durability', () => {
  it('keeps every acknowledged PutObject, CopyObject and multipart upload across a kill -9 of the engine', async () => {
    const dataDir = tempDir('tb-s3-kill-');
    const first = await startCli(dataDir);
    const client = new S3Client({ endpoint: first.httpUrl, region: 'us-east-1', credentials, forcePathStyle: true });
    const bodies = new Map<string, Buffer>();
    try {
      await client.send(new CreateBucketCommand({ Bucket: 'durable' }));
      for (let i = 0; i < 20; i++) {
        const body = crypto.randomBytes(1000 + i * 997);
        await client.send(new PutObjectCommand({ Bucket: 'durable', Key: `k/${i}`, Body: body }));
        bodies.set(`k/${i}`, body);
      }
      await client.send(new CopyObjectCommand({ Bucket: 'durable', Key: 'copy', CopySource: 'durable/k/3' }));
      bodies.set('copy', bodies.get('k/3')!);
      const p1 = crypto.randomBytes(5 * 1024 * 1024);
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'durable', Key: 'multi' }));
      const e1 = (await client.send(new UploadPartCommand({ Bucket: 'durable', Key: 'multi', UploadId, PartNumber: 1, Body: p1 }))).ETag!;
      const e2 = (await client.send(new UploadPartCommand({ Bucket: 'durable', Key: 'multi', UploadId, PartNumber: 2, Body: 'end' }))).ETag!;
      await client.send(new CompleteMultipartUploadCommand({ Bucket: 'durable', Key: 'multi', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: e2 }] } }));
      bodies.set('multi', Buffer.concat([p1, Buffer.from('end')]));
      // Writes still in flight when the process dies may or may not be there; the acknowledged ones must be.
      void client.send(new PutObjectCommand({ Bucket: 'durable', Key: 'in-flight', Body: crypto.randomBytes(100_000) })).catch(() => {});
    } finally {
      client.destroy();
      await first.kill9();
    }
    const second = await startCli(dataDir);
    const again = new S3Client({ endpoint: second.httpUrl, region: 'us-east-1', credentials, forcePathStyle: true });
    try {
      for (const [Key, body] of bodies) {
        const got = Buffer.from(await (await again.send(new GetObjectCommand({ Bucket: 'durable', Key }))).Body!.transformToByteArray());
        expect(got.equals(body), Key).toBe(true);
      }
      const listed = (await again.send(new ListObjectsV2Command({ Bucket: 'durable' }))).Contents!.map((c) => c.Key);
      expect(listed.filter((k) => k !== 'in-flight').sort()).toEqual([...bodies.keys()].sort());
    } finally {
      again.destroy();
      await second.kill9();
    }
  }, 120_000);
});

describe('S3 bodies on disk: a 200 MB object in bounded memory', () => {
  /** The engine process's peak resident set so far (VmHWM), bytes. */
  const peakRss = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
  const MB = 1024 * 1024;

  it('puts and gets it with the SDK (streamed, aws-chunked with its checksum trailer) and aws s3 cp, while the engine grows by far less', async () => {
    const dir = tempDir('tb-s3-big-');
    const file = path.join(dir, 'big.bin');
    const size = 200 * MB;
    const hash = crypto.createHash('md5');
    const out = fs.openSync(file, 'w');
    for (let i = 0; i < size / MB; i++) {
      const chunk = crypto.randomBytes(MB);
      hash.update(chunk);
      fs.writeSync(out, chunk);
    }
    fs.closeSync(out);
    const digest = hash.digest('hex');
    const engine = await startCli(tempDir('tb-s3-big-data-'));
    const client = new S3Client({ endpoint: engine.httpUrl, region: 'us-east-1', credentials, forcePathStyle: true });
    try {
      await client.send(new CreateBucketCommand({ Bucket: 'big' }));
      await client.send(new PutObjectCommand({ Bucket: 'big', Key: 'warm-up', Body: crypto.randomBytes(MB) }));
      const before = peakRss(engine.child.pid!);
      const put = await client.send(new PutObjectCommand({ Bucket: 'big', Key: 'fw.bin', Body: fs.createReadStream(file), ContentLength: size }));
      expect(put.ETag).toBe(`"${digest}"`);
      const got = await client.send(new GetObjectCommand({ Bucket: 'big', Key: 'fw.bin' }));
      expect(got.ContentLength).toBe(size);
      const back = crypto.createHash('md5');
      for await (const chunk of got.Body as AsyncIterable<Uint8Array>) back.update(chunk);
      expect(back.digest('hex')).toBe(digest);
      const range = await client.send(new GetObjectCommand({ Bucket: 'big', Key: 'fw.bin', Range: `bytes=${150 * MB}-${150 * MB + 9}` }));
      const expected = Buffer.alloc(10);
      const fd = fs.openSync(file, 'r');
      fs.readSync(fd, expected, 0, 10, 150 * MB);
      fs.closeSync(fd);
      expect(range.ContentRange).toBe(`bytes ${150 * MB}-${150 * MB + 9}/${size}`);
      expect(Buffer.from(await range.Body!.transformToByteArray()).equals(expected)).toBe(true);
      const grown = peakRss(engine.child.pid!) - before;
      expect(grown, `the engine's peak RSS grew by ${Math.round(grown / MB)} MB`).toBeLessThan(64 * MB);

      if (fs.existsSync('/usr/bin/aws')) {
        const opts = { endpoint: engine.httpUrl, credentials, cwd: dir };
        for (const args of [['s3', 'cp', 'big.bin', 's3://big/cli.bin'], ['s3', 'cp', 's3://big/cli.bin', 'back.bin']]) {
          const r = await runAwsCli(args, opts);
          expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
        }
        const cliBack = crypto.createHash('md5');
        for await (const chunk of fs.createReadStream(path.join(dir, 'back.bin'))) cliBack.update(chunk as Buffer);
        expect(cliBack.digest('hex')).toBe(digest);
        const total = peakRss(engine.child.pid!) - before;
        expect(total, `the engine's peak RSS grew by ${Math.round(total / MB)} MB`).toBeLessThan(64 * MB);
      }
    } finally {
      client.destroy();
      await engine.kill9();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

describeAwsCli('S3 through /usr/bin/aws', () => {
  it('makes a bucket, copies small and multipart files up and down, lists, syncs, reads a Firehose delivery and removes', async () => {
    const dir = tempDir('tb-s3-cli-');
    const opts = { endpoint: tb.httpUrl, credentials, cwd: dir };
    const ok = async (args: string[]) => {
      const r = await runAwsCli(args, opts);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r.stdout;
    };
    await ok(['s3', 'mb', 's3://cli-bucket']);
    fs.writeFileSync(path.join(dir, 'small.txt'), 'small file\n');
    const big = crypto.randomBytes(9 * 1024 * 1024); // above the CLI's 8 MB multipart threshold
    fs.writeFileSync(path.join(dir, 'big.bin'), big);
    await ok(['s3', 'cp', 'small.txt', 's3://cli-bucket/docs/small.txt']);
    await ok(['s3', 'cp', 'big.bin', 's3://cli-bucket/big.bin']);
    const head = await awsCliJson(['s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'big.bin'], opts);
    expect(head).toMatchObject({ ContentLength: big.length, ETag: expect.stringMatching(/^"[0-9a-f]{32}-2"$/) });
    await ok(['s3', 'cp', 's3://cli-bucket/big.bin', 'big-back.bin']);
    expect(fs.readFileSync(path.join(dir, 'big-back.bin')).equals(big)).toBe(true);
    expect(await ok(['s3', 'ls', 's3://cli-bucket/'])).toMatch(/PRE docs\/\n.*\s9437184 big\.bin\n/s);
    expect(await ok(['s3', 'ls', 's3://cli-bucket', '--recursive'])).toContain('docs/small.txt');

    fs.mkdirSync(path.join(dir, 'site', 'sub dir'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'site', 'index.html'), '<h1>hi</h1>');
    fs.writeFileSync(path.join(dir, 'site', 'sub dir', 'a+b.txt'), 'plus');
    await ok(['s3', 'sync', 'site', 's3://cli-bucket/site']);
    const listed = await awsCliJson(['s3api', 'list-objects-v2', '--bucket', 'cli-bucket', '--prefix', 'site/'], opts);
    expect(listed.Contents.map((c: { Key: string }) => c.Key)).toEqual(['site/index.html', 'site/sub dir/a+b.txt']);
    expect(await ok(['s3', 'sync', 'site', 's3://cli-bucket/site'])).toBe(''); // nothing changed
    await ok(['s3', 'sync', 's3://cli-bucket/site', 'site-back']);
    expect(fs.readFileSync(path.join(dir, 'site-back', 'sub dir', 'a+b.txt'), 'utf8')).toBe('plus');

    // A Firehose delivery (default bucket thingbench-firehose, under the stream's name) copied down with aws s3 cp.
    await tb.engine.api.sinks.create('firehose', 'cli-fh', { bufferIntervalSeconds: 0 });
    const delivered = new Promise<void>((resolve) => {
      const sub = tb.engine.events.on('sinks.recorded', (batch) => {
        if (batch.some((r) => r.kind === 'firehose' && r.name === 'cli-fh')) {
          sub.dispose();
          resolve();
        }
      });
    });
    await tb.engine.api.rules.put('to_cli_fh', {
      sql: "SELECT * FROM 'fh/cli'", awsIotSqlVersion: '2016-03-23',
      actions: [{ firehose: { deliveryStreamName: 'cli-fh', separator: '\n', roleArn: 'arn:aws:iam::123456789012:role/r' } }],
    });
    await tb.engine.api.broker.publish({ topic: 'fh/cli', payload: '{"from":"rule"}', qos: 1 });
    await delivered;
    await ok(['s3', 'cp', 's3://thingbench-firehose/cli-fh/', 'deliveries', '--recursive']);
    const files = fs.readdirSync(path.join(dir, 'deliveries'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.map((f) => f.name)).toEqual([expect.stringMatching(/^cli-fh-1-\d{4}-/)]);
    expect(fs.readFileSync(path.join(files[0].parentPath ?? files[0].path, files[0].name), 'utf8')).toBe('{"from":"rule"}\n');

    await ok(['s3', 'rm', 's3://cli-bucket', '--recursive']);
    await ok(['s3', 'rb', 's3://cli-bucket']);
    const missing = await runAwsCli(['s3api', 'get-object', '--bucket', 'cli-bucket', '--key', 'x', 'out'], opts);
    expect(missing.code).toBe(254);
    expect(missing.stderr).toContain('An error occurred (NoSuchBucket) when calling the GetObject operation: The specified bucket does not exist');
  }, 180_000); // a dozen CLI runs (Python start-up each) on a busy machine
});

/** A Python with boto3 (Debian's python3-boto3 first, which CI installs, else whichever python3 comes first on PATH). */
const boto3Python = ['/usr/bin/python3', 'python3'].map((python) => {
  try {
    return execFileSync(python, ['-c', 'import sys, boto3; print(sys.executable)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}).find((found) => found !== undefined);

describe.skipIf(boto3Python === undefined)('S3 through boto3', () => {
  it('puts, gets, lists, uploads a file in parts (upload_file), downloads it and presigns a URL', async () => {
    const dir = tempDir('tb-s3-boto3-');
    const big = crypto.randomBytes(6 * 1024 * 1024);
    fs.writeFileSync(path.join(dir, 'big.bin'), big);
    const script = `
import boto3, json, sys, urllib.request
from boto3.s3.transfer import TransferConfig
s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1')
s3.create_bucket(Bucket='boto-bucket')
s3.put_object(Bucket='boto-bucket', Key='hello.txt', Body=b'from boto3', Metadata={'lab': 'one'})
got = s3.get_object(Bucket='boto-bucket', Key='hello.txt')
s3.upload_file('big.bin', 'boto-bucket', 'big.bin', Config=TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024))
s3.download_file('boto-bucket', 'big.bin', 'big-back.bin')
url = s3.generate_presigned_url('get_object', Params={'Bucket': 'boto-bucket', 'Key': 'hello.txt'}, ExpiresIn=60)
try:
    s3.get_object(Bucket='boto-bucket', Key='missing')
    missing = None
except s3.exceptions.NoSuchKey as e:
    missing = e.response['Error']['Code']
print(json.dumps({
    'body': got['Body'].read().decode(), 'meta': got['Metadata'],
    'keys': [o['Key'] for o in s3.list_objects_v2(Bucket='boto-bucket')['Contents']],
    'etag': s3.head_object(Bucket='boto-bucket', Key='big.bin')['ETag'],
    'presigned': urllib.request.urlopen(url).read().decode(), 'missing': missing,
}))
`;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(boto3Python!, ['-c', script, tb.httpUrl], { cwd: dir, env: awsCliEnv(credentials), encoding: 'utf8' }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
    });
    const r = JSON.parse(out) as Record<string, unknown>;
    expect(r).toMatchObject({ body: 'from boto3', meta: { lab: 'one' }, keys: ['big.bin', 'hello.txt'], presigned: 'from boto3', missing: 'NoSuchKey' });
    expect(r.etag).toMatch(/^"[0-9a-f]{32}-2"$/);
    expect(fs.readFileSync(path.join(dir, 'big-back.bin')).equals(big)).toBe(true);
  }, 120_000);
});

/** An unsigned GET with a Host header of our choosing (fetch may not set Host). */
function rawGet(address: string, port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: address, port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c)).on('end', () => resolve({ status: res.statusCode!, body }));
    }).on('error', reject);
  });
}

/** SHA-256 for the SigV4 signer (the SDK's own is not a direct dependency). */
const bytesOf = (d: string | ArrayBuffer | ArrayBufferView) => (typeof d === 'string' ? d : ArrayBuffer.isView(d) ? Buffer.from(d.buffer, d.byteOffset, d.byteLength) : Buffer.from(d));
class Sha256 {
  private readonly h: crypto.Hash | crypto.Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret ? crypto.createHmac('sha256', bytesOf(secret)) : crypto.createHash('sha256');
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {}
}
