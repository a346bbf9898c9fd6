/**
 * Block-wise responses and Observe notifications (RFC 7959 §2.4, §3.4): a payload larger than one block goes out as
 * its first block (Block2 with the more flag, an ETag and Size2) and is kept here, so the client's GETs for the
 * other blocks (same endpoint, same URI, Block2 num ≥ 1) are answered from it, as the representation that was sent. A download is forgotten once its last block is fetched, when the next notification replaces it, after a
 * quiet minute, or beyond the bound on their number.
 */
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { OutgoingMessage } from 'coap';
import type { ParsedPacket } from 'coap-packet';
import { blockValue, freshCount, MAX_BLOCK, requestedBlock, resourceKey, uint } from './coap-block-options.js';

const MAX_DOWNLOADS = 1000;
const IDLE_MS = 60_000;

type Option = { name: string; value: Buffer };
interface Download { payload: Buffer; etag: Buffer; options: Option[]; at: number }

/** One block of a kept payload, with the options to answer it with. */
export interface Block { payload: Buffer; options: Option[] }

export class BlockDownloads {
  private readonly downloads = new Map<string, Download>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Downloads open (not yet fetched to their end nor forgotten). */
  get size(): number {
    return freshCount(this.downloads.values(), this.now(), IDLE_MS);
  }

  /**
   * Keeps `payload` for the client at `key` and returns its first block of `size` bytes; `options` (Content-Format)
   * go with every block.
   */
  start(key: string, payload: Buffer, size: number, options: Option[]): Block {
    this.downloads.delete(key);
    if (this.downloads.size >= MAX_DOWNLOADS) this.downloads.delete(this.downloads.keys().next().value as string);
    const download = { payload, etag: createHash('sha1').update(payload).digest().subarray(0, 8), options, at: this.now() };
    this.downloads.set(key, download);
    return blockOf(download, 0, size);
  }

  /** Block `num` of the payload kept for `key`; undefined when none is kept (or it has no such block). */
  block(key: string, num: number, size: number): Block | undefined {
    const d = this.downloads.get(key);
    if (!d || this.now() - d.at > IDLE_MS || num * size >= d.payload.length) return undefined;
    d.at = this.now();
    const block = blockOf(d, num, size);
    if ((num + 1) * size >= d.payload.length) this.downloads.delete(key); // its last block: the download is done
    return block;
  }

  clear(): void {
    this.downloads.clear();
  }
}

function blockOf(d: Download, num: number, size: number): Block {
  const more = (num + 1) * size < d.payload.length;
  return {
    payload: d.payload.subarray(num * size, (num + 1) * size),
    options: [
      ...d.options,
      { name: 'ETag', value: d.etag },
      { name: 'Block2', value: blockValue(num, more, size) },
      ...(num === 0 ? [{ name: 'Size2', value: uint(d.payload.length) }] : []),
    ],
  };
}

/**
 * Makes `res` answer a payload larger than a block block-wise from `downloads` (RFC 7959 §2.4): the block the request
 * asks for (Block2, else block 0 of 1024 bytes), the rest kept for the client's next GETs, so every block comes from
 * the one representation (a re-executed shadow GET has a new timestamp, and counts against the thing's rate limits).
 */
export function answerBlockwise(res: OutgoingMessage, request: ParsedPacket, client: AddressInfo, downloads: BlockDownloads): void {
  const end = res.end.bind(res);
  res.end = ((payload?: Buffer) => {
    const wanted = requestedBlock(request) ?? { num: 0, size: MAX_BLOCK };
    if (!Buffer.isBuffer(payload) || payload.length <= wanted.size) return end(payload);
    const options = (res._packet.options ?? []).filter((o) => o.name === 'Content-Format') as Option[];
    const key = resourceKey(request, client);
    let block: Block | undefined = downloads.start(key, payload, wanted.size, options);
    if (wanted.num > 0) block = downloads.block(key, wanted.num, wanted.size);
    if (!block) {
      res.statusCode = '4.02'; // a block past the end (RFC 7959 §2.4 leaves it to the server; the package said 4.02 too)
      return end();
    }
    for (const o of block.options) res.setOption(o.name as 'ETag', o.value);
    // The package's own end would cut the payload again by the request's Block2: its base class sends it as is.
    return OutgoingMessage.prototype.end.call(res, block.payload);
  }) as typeof res.end;
}
