/**
 * Block-wise uploads (Block1, RFC 7959 §2.5) assembled here rather than in the `coap` package, which keys an upload
 * by the request token: libcoap (and RFC 7959 §2.4) may use a new token for each block, so an upload is one client
 * endpoint's request to one URI (with its Request-Tag). Blocks must come in order; a repeated block is acknowledged
 * again. Uploads are bounded in number and forgotten after a quiet minute; their size is checked by the listener.
 * A finished upload's last block is remembered for about EXCHANGE_LIFETIME (RFC 7252 §4.8.2): the same confirmable
 * message again (its ACK was lost) is a repeat to answer as before, not a block out of order.
 */
import type { AddressInfo } from 'node:net';
import type { ParsedPacket } from 'coap-packet';
import { freshCount, resourceKey } from './coap-block-options.js';

/** Uploads in progress at most (the oldest is forgotten beyond), and finished ones remembered. */
const MAX_UPLOADS = 1000;
const IDLE_MS = 60_000;
/** EXCHANGE_LIFETIME with the RFC's defaults is 247 s. */
const FINISHED_MS = 247_000;

interface Upload { chunks: Buffer[]; received: number; at: number }

export type BlockOutcome =
  /** More blocks to come: answer 2.31 Continue echoing the Block1 option. */
  | { kind: 'continue' }
  /** The last block: the request with the whole payload and no Block1 option. */
  | { kind: 'complete'; packet: ParsedPacket }
  /** A block out of order (or of an upload that was forgotten): 4.08 Request Entity Incomplete. */
  | { kind: 'incomplete' }
  /** The last block of a finished upload again, in the same message (a retransmission): answer as the first time. */
  | { kind: 'repeat' };

export class BlockUploads {
  private readonly uploads = new Map<string, Upload>();
  private readonly finished = new Map<string, { num: number; messageId: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Uploads in progress (not yet forgotten as idle). */
  get size(): number {
    return freshCount(this.uploads.values(), this.now(), IDLE_MS);
  }

  /** Takes one block of a request that carries Block1. */
  take(packet: ParsedPacket, rsinfo: AddressInfo, block: { num: number; more: boolean; size: number }): BlockOutcome {
    const key = uploadKey(packet, rsinfo);
    const now = this.now();
    let upload = this.uploads.get(key);
    if (upload && now - upload.at > IDLE_MS) upload = undefined;
    const offset = block.num * block.size;
    if (block.num === 0) upload = { chunks: [], received: 0, at: now };
    if (!upload) {
      const f = this.finished.get(key);
      const repeat = f && now - f.at <= FINISHED_MS && f.num === block.num && f.messageId === packet.messageId;
      return { kind: repeat ? 'repeat' : 'incomplete' };
    }
    if (offset < upload.received && offset + packet.payload.length === upload.received) return { kind: 'continue' }; // a retransmission
    if (offset !== upload.received) {
      this.uploads.delete(key);
      return { kind: 'incomplete' };
    }
    upload.chunks.push(packet.payload);
    upload.received += packet.payload.length;
    upload.at = now;
    this.uploads.delete(key);
    if (block.more) {
      if (this.uploads.size >= MAX_UPLOADS) this.uploads.delete(this.uploads.keys().next().value as string);
      this.uploads.set(key, upload);
      return { kind: 'continue' };
    }
    this.finished.delete(key);
    if (this.finished.size >= MAX_UPLOADS) this.finished.delete(this.finished.keys().next().value as string);
    this.finished.set(key, { num: block.num, messageId: packet.messageId, at: now });
    return { kind: 'complete', packet: { ...packet, options: packet.options.filter((o) => o.name !== 'Block1'), payload: Buffer.concat(upload.chunks) } };
  }
}

/** One upload: the client endpoint, the request's method, URI and Request-Tag (option 292). */
function uploadKey(packet: ParsedPacket, rsinfo: AddressInfo): string {
  return `${resourceKey(packet, rsinfo, ['292'])} ${packet.code}`;
}
