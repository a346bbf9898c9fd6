/**
 * The device side of MQTT-based file delivery [DG:mqtt-based-file-delivery-in-devices]: DescribeStream and GetStream
 * request documents (decoded from JSON or CBOR), checked field by field with the error codes AWS names, and the list
 * of blocks a GetStream request asks for.
 *
 * GetStream fields: `c` client token (≤ 64 bytes), `s` stream version, `f` file id (0–255), `l` block size
 * (256–131,072 bytes), `o` block offset (0–98,304), `n` number of blocks (0–98,304; by default, and at most,
 * 131,072 / `l` per request), `b` bitmap of wanted blocks from the offset (bit 0 is the low bit of the first byte; a
 * hexadecimal string in JSON, a byte string or a hexadecimal string in CBOR; under 12,288 bytes).
 *
 * LIMITATIONS: a range that runs past the file's last block is answered with the blocks that exist (AWS documents
 * that a request with neither `n` nor `b` "might not be valid" for a file under 128 KB); an offset at or past the last
 * block is OffsetOutOfBounds.
 */

/** The `o` codes of a `…/rejected` reply. */
export type DeliveryErrorCode =
  | 'InvalidTopic' | 'InvalidJson' | 'InvalidCbor' | 'InvalidRequest' | 'Unauthorized' | 'BlockSizeOutOfBounds'
  | 'OffsetOutOfBounds' | 'BlockCountLimitExceeded' | 'BlockBitmapLimitExceeded' | 'ResourceNotFound'
  | 'VersionMismatch' | 'ETagMismatch' | 'InternalError';

/** A request refused: the reply on `…/rejected` carries `o` (code), `m` (message) and `c` when the token was valid. */
export class DeliveryRejection extends Error {
  constructor(readonly code: DeliveryErrorCode, message: string, readonly clientToken?: string) {
    super(message);
  }
}

export interface DescribeRequest {
  clientToken?: string;
}

export interface GetRequest {
  clientToken?: string;
  streamVersion?: number;
  fileId: number;
  blockSize: number;
  offset: number;
  /** `n`; absent or 0 means as many as one request may carry. */
  count?: number;
  bitmap?: Buffer;
}

export const MIN_BLOCK_SIZE = 256;
/** The most data one GetStream request is answered with, and the largest block [DG: "limits the size of a block to 128 KB"]. */
export const MAX_REQUEST_BYTES = 131_072;
export const MAX_OFFSET = 98_304;
export const MAX_BLOCKS = 98_304;
export const MAX_BITMAP_BYTES = 12_288;
const MAX_CLIENT_TOKEN_BYTES = 64;

export function parseDescribe(doc: unknown): DescribeRequest {
  const fields = objectOf(doc);
  const clientToken = tokenOf(fields);
  return clientToken === undefined ? {} : { clientToken };
}

export function parseGet(doc: unknown): GetRequest {
  const fields = objectOf(doc);
  const c = tokenOf(fields);
  const reject = (code: DeliveryErrorCode, message: string) => new DeliveryRejection(code, message, c);
  const int = (key: string, what: string): number | undefined => {
    const v = fields[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw reject('InvalidRequest', `The ${what} ("${key}") must be an integer`);
    return v;
  };
  const streamVersion = int('s', 'stream version');
  const fileId = int('f', 'stream file ID');
  if (fileId === undefined) throw reject('InvalidRequest', 'The stream file ID ("f") is required');
  if (fileId < 0 || fileId > 255) throw reject('InvalidRequest', `The stream file ID ${fileId} is out of range 0 to 255`);
  const blockSize = int('l', 'block size');
  if (blockSize === undefined) throw reject('InvalidRequest', 'The block size ("l") is required');
  if (blockSize < MIN_BLOCK_SIZE || blockSize > MAX_REQUEST_BYTES) throw reject('BlockSizeOutOfBounds', 'The block size is out of bounds');
  const offset = int('o', 'block offset') ?? 0;
  if (offset < 0 || offset > MAX_OFFSET) throw reject('OffsetOutOfBounds', 'The offset is out of bounds');
  const count = int('n', 'number of blocks');
  if (count !== undefined && (count < 0 || count > MAX_BLOCKS)) throw reject('BlockCountLimitExceeded', 'The number of requested blocks is out of bounds');
  const bitmap = bitmapOf(fields.b, reject);
  return {
    ...(c !== undefined ? { clientToken: c } : {}), ...(streamVersion !== undefined ? { streamVersion } : {}), fileId, blockSize, offset,
    ...(count ? { count } : {}), ...(bitmap ? { bitmap } : {}),
  };
}

/** The block ids a GetStream request gets for a file of `fileSize` bytes, in order; at most 128 KB of them. */
export function plannedBlocks(req: GetRequest, fileSize: number): number[] {
  const total = Math.ceil(fileSize / req.blockSize);
  if (req.offset >= total) throw new DeliveryRejection('OffsetOutOfBounds', `The offset ${req.offset} is past the last block of file ${req.fileId} (${total} blocks of ${req.blockSize} bytes)`, req.clientToken);
  const perRequest = Math.floor(MAX_REQUEST_BYTES / req.blockSize);
  const limit = Math.min(req.count ?? perRequest, perRequest);
  const blocks: number[] = [];
  if (req.bitmap) {
    for (let bit = 0; bit < req.bitmap.length * 8 && blocks.length < limit; bit++) {
      const block = req.offset + bit;
      if (block >= total) break;
      if (req.bitmap[bit >> 3] & (1 << (bit & 7))) blocks.push(block);
    }
  } else {
    for (let block = req.offset; block < Math.min(req.offset + limit, total); block++) blocks.push(block);
  }
  if (!blocks.length) throw new DeliveryRejection('ResourceNotFound', `The bitmap names no block of file ${req.fileId}`, req.clientToken);
  return blocks;
}

function objectOf(doc: unknown): Record<string, unknown> {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || Buffer.isBuffer(doc)) {
    throw new DeliveryRejection('InvalidRequest', 'The request must be an object');
  }
  return doc as Record<string, unknown>;
}

/** `c`: returned in replies when valid; one that is not a string of at most 64 bytes is InvalidRequest (and not echoed). */
function tokenOf(fields: Record<string, unknown>): string | undefined {
  const c = fields.c;
  if (c === undefined || c === null) return undefined;
  if (typeof c !== 'string' || Buffer.byteLength(c, 'utf8') > MAX_CLIENT_TOKEN_BYTES) {
    throw new DeliveryRejection('InvalidRequest', 'The client token must be a string of at most 64 bytes');
  }
  return c;
}

function bitmapOf(value: unknown, reject: (code: DeliveryErrorCode, message: string) => DeliveryRejection): Buffer | undefined {
  if (value === undefined || value === null) return undefined;
  let bytes: Buffer;
  if (value instanceof Uint8Array) bytes = Buffer.from(value);
  else if (typeof value === 'string') {
    const hex = value.replace(/^0x/i, '');
    if (!/^[0-9a-fA-F]+$/.test(hex)) throw reject('InvalidRequest', 'The bitmap ("b") must be a hexadecimal string');
    bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  } else throw reject('InvalidRequest', 'The bitmap ("b") must be a hexadecimal string');
  if (bytes.length >= MAX_BITMAP_BYTES) throw reject('BlockBitmapLimitExceeded', 'The size of the request bitmap is out of bounds');
  return bytes;
}
