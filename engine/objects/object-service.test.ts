import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dirs.js';
import { SqlJsStore } from '../storage/index.js';
import { bucketNameProblem } from './bucket-name.js';
import { ObjectService } from './object-service.js';

interface Harness { objects: ObjectService; store: SqlJsStore; dataDir: string; clock: { t: number; now(): number } }
const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.store.close().catch(() => {});
});
async function harness(dataDir = tempDir('tb-objects-')): Promise<Harness> {
  const store = await SqlJsStore.open(dataDir);
  const clock = { t: Date.UTC(2026, 0, 2, 3, 4, 5), now() { return this.t; } };
  const objects = new ObjectService(store, clock, { dataDir });
  await objects.start();
  const h = { objects, store, dataDir, clock };
  open.push(h);
  return h;
}
const reason = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as { details?: { reason?: string } }).details?.reason;
  }
  return undefined;
};
const rejection = async (p: Promise<unknown>) => p.then(() => undefined, (e: { details?: { reason?: string } }) => e.details?.reason);
const md5 = (b: Buffer | string) => crypto.createHash('md5').update(b).digest('hex');

describe('bucket names (S3 general purpose bucket naming rules)', () => {
  it.each([
    ['my-bucket', true], ['a.b.c', true], ['abc', true], ['1bucket9', true], ['x'.repeat(63), true],
    ['ab', false], ['x'.repeat(64), false], ['My-Bucket', false], ['my_bucket', false], ['-bucket', false], ['bucket-', false],
    ['my..bucket', false], ['192.168.5.4', false], ['xn--bucket', false], ['sthree-x', false], ['amzn-s3-demo-x', false],
    ['b-s3alias', false], ['b--ol-s3', false], ['b.mrap', false], ['b--x-s3', false],
  ])('%s valid: %s', (name, valid) => {
    expect(bucketNameProblem(name) === undefined).toBe(valid);
  });
});

describe('local S3 domain', () => {
  it('creates, lists, heads and deletes buckets with S3 error codes', async () => {
    const { objects } = await harness();
    await objects.createBucket('beta');
    await objects.createBucket('alpha');
    expect(objects.listBuckets().map((b) => b.name)).toEqual(['alpha', 'beta']);
    expect(await rejection(objects.createBucket('alpha'))).toBe('BucketAlreadyOwnedByYou');
    expect(await rejection(objects.createBucket('Bad_Name'))).toBe('InvalidBucketName');
    expect(reason(() => objects.headBucket('gamma'))).toBe('NoSuchBucket');
    await objects.put('alpha', 'k', Buffer.from('v'));
    expect(await rejection(objects.deleteBucket('alpha'))).toBe('BucketNotEmpty');
    await objects.delete('alpha', 'k');
    await objects.deleteBucket('alpha');
    expect(objects.listBuckets().map((b) => b.name)).toEqual(['beta']);
    expect(await rejection(objects.deleteBucket('alpha'))).toBe('NoSuchBucket');
  });

  it('stores objects with MD5 ETags, headers and user metadata; overwrites, reads, deletes idempotently', async () => {
    const { objects, dataDir } = await harness();
    await objects.createBucket('bkt');
    const info = await objects.put('bkt', 'dir/a.json', Buffer.from('{"a":1}'), { headers: { 'content-type': 'application/json' }, metadata: { owner: 'me' } });
    expect(info.etag).toBe(`"${md5('{"a":1}')}"`);
    expect(objects.head('bkt', 'dir/a.json')).toMatchObject({ size: 7, headers: { 'content-type': 'application/json' }, metadata: { owner: 'me' }, lastModified: Date.UTC(2026, 0, 2, 3, 4, 5) });
    await objects.put('bkt', 'dir/a.json', Buffer.from('second'));
    expect(objects.read('bkt', 'dir/a.json').toString()).toBe('second');
    expect(objects.head('bkt', 'dir/a.json').headers['content-type']).toBe('binary/octet-stream');
    expect(fs.readdirSync(path.join(dataDir, 's3', 'blobs'))).toHaveLength(1); // the replaced body is gone
    expect(reason(() => objects.head('bkt', 'nope'))).toBe('NoSuchKey');
    expect(reason(() => objects.head('nobucket', 'k'))).toBe('NoSuchBucket');
    expect(await objects.delete('bkt', 'dir/a.json')).toBe(true);
    expect(await objects.delete('bkt', 'dir/a.json')).toBe(false);
    expect(await rejection(objects.put('bkt', 'k'.repeat(1025), Buffer.alloc(0)))).toBe('KeyTooLongError');
    expect(await rejection(objects.put('nobucket', 'k', Buffer.alloc(0)))).toBe('NoSuchBucket');
  });

  it('stores a streamed body, and nothing when the stream fails or the last checks refuse it', async () => {
    const { objects, dataDir } = await harness();
    await objects.createBucket('bkt');
    const pieces = [Buffer.from('streamed '), Buffer.from('in '), Buffer.from('pieces')];
    const info = await objects.put('bkt', 'k', (async function* () { yield* pieces; })());
    expect(info).toMatchObject({ size: 18, etag: `"${md5('streamed in pieces')}"` });
    expect(objects.read('bkt', 'k').toString()).toBe('streamed in pieces');
    const blobs = () => fs.readdirSync(path.join(dataDir, 's3', 'blobs'));
    const failing = (async function* () {
      yield Buffer.from('half');
      throw new Error('client gone');
    })();
    await expect(objects.put('bkt', 'k2', failing)).rejects.toThrow('client gone');
    await expect(objects.put('bkt', 'k2', Buffer.from('x'), {}, { sealed: () => { throw new Error('bad digest'); } })).rejects.toThrow('bad digest');
    const { uploadId } = await objects.createUpload('bkt', 'm');
    await expect(objects.uploadPart('bkt', 'm', uploadId, 1, Buffer.from('p'), { sealed: () => { throw new Error('bad digest'); } })).rejects.toThrow('bad digest');
    expect(blobs()).toHaveLength(1);
    expect(reason(() => objects.head('bkt', 'k2'))).toBe('NoSuchKey');
    expect(objects.listParts('bkt', 'm', uploadId)).toEqual([]);
  });

  it('keeps a read consistent while the object is replaced', async () => {
    const { objects } = await harness();
    await objects.createBucket('bkt');
    await objects.put('bkt', 'k', Buffer.from('first'));
    const { fd } = objects.open('bkt', 'k');
    await objects.put('bkt', 'k', Buffer.from('second'));
    expect(fs.readFileSync(fd).toString()).toBe('first');
    fs.closeSync(fd);
  });

  it('lists in UTF-8 byte order with prefix, delimiter, common prefixes, MaxKeys and resumption', async () => {
    const { objects } = await harness();
    await objects.createBucket('bkt');
    // UTF-16 order would put U+FFFD after U+1F600 (a surrogate pair); UTF-8 byte order puts it before.
    const keys = ['a/1', 'a/2', 'a/b/3', 'b', 'c/x', 'c/y', '\u{1F600}', '\uFFFD', 'Z'];
    for (const k of keys) await objects.put('bkt', k, Buffer.from(k));
    expect(objects.list('bkt', {}).objects.map((o) => o.key)).toEqual(['Z', 'a/1', 'a/2', 'a/b/3', 'b', 'c/x', 'c/y', '\uFFFD', '\u{1F600}']);
    const top = objects.list('bkt', { delimiter: '/' });
    expect(top.objects.map((o) => o.key)).toEqual(['Z', 'b', '\uFFFD', '\u{1F600}']);
    expect(top.commonPrefixes).toEqual(['a/', 'c/']);
    const inA = objects.list('bkt', { prefix: 'a/', delimiter: '/' });
    expect([inA.objects.map((o) => o.key), inA.commonPrefixes]).toEqual([['a/1', 'a/2'], ['a/b/']]);
    expect(objects.list('bkt', { after: 'b' }).objects.map((o) => o.key)).toEqual(['c/x', 'c/y', '\uFFFD', '\u{1F600}']);

    // Pages of two, keys and common prefixes counted together, resumed after the last entry.
    const pages: string[][] = [];
    let after: { value: string; isPrefix: boolean } | undefined;
    for (;;) {
      const page = objects.list('bkt', { delimiter: '/', maxKeys: 2, after: after?.value, afterIsPrefix: after?.isPrefix });
      pages.push([...page.objects.map((o) => o.key), ...page.commonPrefixes]);
      if (!page.truncated) break;
      after = page.last;
    }
    expect(pages).toEqual([['Z', 'a/'], ['b', 'c/'], ['\uFFFD', '\u{1F600}']]);
    expect(objects.list('bkt', { maxKeys: 0 })).toMatchObject({ objects: [], truncated: false });
  });

  it('copies objects (metadata copied or replaced) and refuses a copy onto itself without REPLACE', async () => {
    const { objects } = await harness();
    await objects.createBucket('src');
    await objects.createBucket('dst');
    await objects.put('src', 'k', Buffer.from('body'), { headers: { 'content-type': 'text/plain' }, metadata: { a: '1' } });
    const copy = await objects.copy({ bucket: 'src', key: 'k' }, { bucket: 'dst', key: 'k2' });
    expect(copy).toMatchObject({ etag: `"${md5('body')}"`, headers: { 'content-type': 'text/plain' }, metadata: { a: '1' } });
    expect(objects.read('dst', 'k2').toString()).toBe('body');
    await objects.delete('src', 'k'); // the copy has its own body
    expect(objects.read('dst', 'k2').toString()).toBe('body');
    expect(await rejection(objects.copy({ bucket: 'dst', key: 'k2' }, { bucket: 'dst', key: 'k2' }))).toBe('InvalidRequest');
    const replaced = await objects.copy({ bucket: 'dst', key: 'k2' }, { bucket: 'dst', key: 'k2' }, { metadata: { b: '2' } });
    expect(replaced.metadata).toEqual({ b: '2' });
    expect(await rejection(objects.copy({ bucket: 'dst', key: 'missing' }, { bucket: 'dst', key: 'x' }))).toBe('NoSuchKey');
  });

  it('completes a multipart upload with the md5-of-md5s ETag and checks parts as S3 does', async () => {
    const { objects, dataDir } = await harness();
    await objects.createBucket('bkt');
    const p1 = crypto.randomBytes(5 * 1024 * 1024);
    const p2 = Buffer.from('tail');
    const up = await objects.createUpload('bkt', 'big.bin', { headers: { 'content-type': 'application/x-test' } });
    const e2 = await objects.uploadPart('bkt', 'big.bin', up.uploadId, 2, p2);
    const e1 = await objects.uploadPart('bkt', 'big.bin', up.uploadId, 1, p1);
    expect(objects.listParts('bkt', 'big.bin', up.uploadId).map((p) => p.number)).toEqual([1, 2]);
    expect(await rejection(objects.completeUpload('bkt', 'big.bin', up.uploadId, [{ number: 2, etag: e2 }, { number: 1, etag: e1 }]))).toBe('InvalidPartOrder');
    expect(await rejection(objects.completeUpload('bkt', 'big.bin', up.uploadId, [{ number: 1, etag: e2 }, { number: 2, etag: e2 }]))).toBe('InvalidPart');
    expect(await rejection(objects.uploadPart('bkt', 'big.bin', up.uploadId, 10_001, p2))).toBe('InvalidArgument');
    const info = await objects.completeUpload('bkt', 'big.bin', up.uploadId, [{ number: 1, etag: e1 }, { number: 2, etag: e2 }]);
    const expected = crypto.createHash('md5').update(Buffer.concat([Buffer.from(md5(p1), 'hex'), Buffer.from(md5(p2), 'hex')])).digest('hex');
    expect(info).toMatchObject({ etag: `"${expected}-2"`, size: p1.length + 4, headers: { 'content-type': 'application/x-test' } });
    expect(objects.read('bkt', 'big.bin').equals(Buffer.concat([p1, p2]))).toBe(true);
    expect(fs.readdirSync(path.join(dataDir, 's3', 'blobs'))).toHaveLength(1);
    expect(await rejection(objects.completeUpload('bkt', 'big.bin', up.uploadId, [{ number: 1, etag: e1 }]))).toBe('NoSuchUpload');

    const small = await objects.createUpload('bkt', 'small');
    const s1 = await objects.uploadPart('bkt', 'small', small.uploadId, 1, Buffer.from('a'));
    const s2 = await objects.uploadPart('bkt', 'small', small.uploadId, 2, Buffer.from('b'));
    expect(await rejection(objects.completeUpload('bkt', 'small', small.uploadId, [{ number: 1, etag: s1 }, { number: 2, etag: s2 }]))).toBe('EntityTooSmall');
    await objects.abortUpload('bkt', 'small', small.uploadId);
    expect(await rejection(objects.abortUpload('bkt', 'small', small.uploadId))).toBe('NoSuchUpload');
    expect(fs.readdirSync(path.join(dataDir, 's3', 'blobs'))).toHaveLength(1);
  });

  it('keeps objects across a restart and sweeps body files no row names', async () => {
    const h = await harness();
    await h.objects.createBucket('bkt');
    await h.objects.put('bkt', 'kept', Buffer.from('durable'), { metadata: { m: 'v' } });
    fs.writeFileSync(path.join(h.dataDir, 's3', 'blobs', 'orphan'), 'left by a crash');
    fs.writeFileSync(path.join(h.dataDir, 's3', 'blobs', 'x.tmp'), 'half written');
    await h.store.close();
    open.splice(0);
    const again = await harness(h.dataDir);
    expect(again.objects.read('bkt', 'kept').toString()).toBe('durable');
    expect(again.objects.head('bkt', 'kept').metadata).toEqual({ m: 'v' });
    expect(fs.readdirSync(path.join(h.dataDir, 's3', 'blobs'))).toHaveLength(1);
  });
});
