import { describe, expect, it } from 'vitest';
import { DeliveryRejection, parseDescribe, parseGet, plannedBlocks, type GetRequest } from './block-request.js';

function rejection(f: () => unknown): { code: string; token?: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof DeliveryRejection) return { code: e.code, ...(e.clientToken !== undefined ? { token: e.clientToken } : {}) };
    throw e;
  }
  throw new Error('expected a rejection');
}

describe('GetStream requests', () => {
  it.each([
    [{ f: 0, l: 256 }, { fileId: 0, blockSize: 256, offset: 0 }],
    [{ c: 'tok', s: 3, f: 255, l: 131_072, o: 98_304, n: 98_304 }, { clientToken: 'tok', streamVersion: 3, fileId: 255, blockSize: 131_072, offset: 98_304, count: 98_304 }],
    [{ f: 1, l: 1024, n: 0 }, { fileId: 1, blockSize: 1024, offset: 0 }], // n = 0: as many as one request carries
    [{ f: 1, l: 1024, b: '0x130080' }, { fileId: 1, blockSize: 1024, offset: 0, bitmap: Buffer.from([0x13, 0x00, 0x80]) }],
    [{ f: 1, l: 1024, b: 'f' }, { fileId: 1, blockSize: 1024, offset: 0, bitmap: Buffer.from([0x0f]) }],
    [{ f: 1, l: 1024, b: new Uint8Array([1, 2]) }, { fileId: 1, blockSize: 1024, offset: 0, bitmap: Buffer.from([1, 2]) }],
  ])('%j parses', (doc, want) => {
    expect(parseGet(doc)).toEqual(want);
  });

  it.each([
    [{ c: 't', f: 0, l: 255 }, 'BlockSizeOutOfBounds', 't'],
    [{ f: 0, l: 131_073 }, 'BlockSizeOutOfBounds', undefined],
    [{ f: 0, l: 256, o: -1 }, 'OffsetOutOfBounds', undefined],
    [{ f: 0, l: 256, o: 98_305 }, 'OffsetOutOfBounds', undefined],
    [{ f: 0, l: 256, n: 98_305 }, 'BlockCountLimitExceeded', undefined],
    [{ f: 0, l: 256, b: '00'.repeat(12_288) }, 'BlockBitmapLimitExceeded', undefined],
    [{ f: 0, l: 256, b: 'xyz' }, 'InvalidRequest', undefined],
    [{ f: 0, l: 256, b: 12 }, 'InvalidRequest', undefined],
    [{ c: 'k', l: 256 }, 'InvalidRequest', 'k'],
    [{ f: -1, l: 256 }, 'InvalidRequest', undefined],
    [{ f: 0 }, 'InvalidRequest', undefined],
    [{ f: '0', l: 256 }, 'InvalidRequest', undefined],
    [{ f: 0.5, l: 256 }, 'InvalidRequest', undefined],
    [{ c: 'x'.repeat(65), f: 0, l: 256 }, 'InvalidRequest', undefined],
    [{ c: 7, f: 0, l: 256 }, 'InvalidRequest', undefined],
    [[1], 'InvalidRequest', undefined],
    ['text', 'InvalidRequest', undefined],
    [null, 'InvalidRequest', undefined],
  ])('%j is %s', (doc, code, token) => {
    expect(rejection(() => parseGet(doc))).toEqual({ code, ...(token !== undefined ? { token } : {}) });
  });

  it('DescribeStream takes an optional client token of at most 64 bytes', () => {
    expect(parseDescribe({})).toEqual({});
    expect(parseDescribe({ c: 'é'.repeat(32) })).toEqual({ clientToken: 'é'.repeat(32) });
    expect(rejection(() => parseDescribe({ c: 'é'.repeat(33) }))).toEqual({ code: 'InvalidRequest' });
  });
});

describe('planned blocks', () => {
  const req = (r: Partial<GetRequest>): GetRequest => ({ fileId: 0, blockSize: 1024, offset: 0, ...r });

  it.each([
    ['a range', req({ offset: 2, count: 3 }), 10_000, [2, 3, 4]],
    ['a range cut at the last (short) block', req({ offset: 8, count: 5 }), 9_500, [8, 9]],
    ['128 KB at most', req({ blockSize: 32_768, count: 10 }), 1_000_000, [0, 1, 2, 3]],
    ['by default 131072 / l', req({ blockSize: 65_536 }), 1_000_000, [0, 1]],
    ['a bitmap from the offset', req({ offset: 20, bitmap: Buffer.from([0x13, 0x00, 0x80]) }), 100_000, [20, 21, 24, 43]],
    ['a bitmap capped by n', req({ bitmap: Buffer.from([0xff]), count: 3 }), 100_000, [0, 1, 2]],
    ['a bitmap past the end of the file', req({ bitmap: Buffer.from([0xff, 0xff]) }), 3 * 1024 + 1, [0, 1, 2, 3]],
  ])('%s', (_name, r, size, want) => {
    expect(plannedBlocks(r, size)).toEqual(want);
  });

  it('an offset at or past the last block, or a bitmap naming nothing, is refused', () => {
    expect(rejection(() => plannedBlocks(req({ offset: 10, clientToken: 'c' }), 10 * 1024))).toEqual({ code: 'OffsetOutOfBounds', token: 'c' });
    expect(rejection(() => plannedBlocks(req({}), 0))).toEqual({ code: 'OffsetOutOfBounds' });
    expect(rejection(() => plannedBlocks(req({ bitmap: Buffer.from([0]) }), 10 * 1024))).toEqual({ code: 'ResourceNotFound' });
  });
});
