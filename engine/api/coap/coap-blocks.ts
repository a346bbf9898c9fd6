/**
 * Block-wise uploads (Block1, RFC 7959 §2.5) assembled here rather than in the `coap` package, which keys an upload
 * by the request token: libcoap (and RFC 7959 §2.4) may use a new token for each block, so an upload is one client
 * endpoint's request to one URI (with its Request-Tag). Blocks must come in order; a repeated block is acknowledged
 * again. Uploads are bounded in number and forgotten after a quiet minute; their size is checked by the listener.
 */
import type { AddressInfo } from 'node:net';
import type { ParsedPacket } from 'coap-packet';

/** Uploads in progress at most (the oldest is forgotten beyond). */
const MAX_UPLOADS = 1000;
const IDLE_MS = 60_000;

interface Upload { chunks: Buffer[]; received: number; at: number }

export type BlockOutcome =
  /** More blocks to come: answer 2.31 Continue echoing the Block1 option. */
  | { kind: 'continue' }
  /** The last block: the request with the whole payload and no Block1 option. */
  | { kind: 'complete'; packet: ParsedPacket }
  /** A block out of order (or of an upload that was forgotten): 4.08 Request Entity Incomplete. */
  | { kind: 'incomplete' };

/** The Block1 option's number, more flag and size (RFC 7959 §2.2); undefined for an invalid one. */
export function readBlockOption(value: Buffer): { num: number; more: boolean; size: number } | undefined {
  if (value.length > 3) return undefined;
  const n = value.reduce((acc, b) => acc * 256 + b, 0);
  const szx = n & 7;
  if (szx === 7) return undefined;
  return { num: Math.floor(n / 16), more: (n & 8) !== 0, size: 2 ** (szx + 4) };
}

export class BlockUploads {
  private readonly uploads = new Map<string, Upload>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Uploads in progress (not yet forgotten as idle). */
  get size(): number {
    const now = this.now();
    let n = 0;
    for (const u of this.uploads.values()) if (now - u.at <= IDLE_MS) n++;
    return n;
  }

  /** Takes one block of a request that carries Block1. */
  take(packet: ParsedPacket, rsinfo: AddressInfo, block: { num: number; more: boolean; size: number }): BlockOutcome {
    const key = uploadKey(packet, rsinfo);
    const now = this.now();
    let upload = this.uploads.get(key);
    if (upload && now - upload.at > IDLE_MS) upload = undefined;
    const offset = block.num * block.size;
    if (block.num === 0) upload = { chunks: [], received: 0, at: now };
    if (!upload) return { kind: 'incomplete' };
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
    return { kind: 'complete', packet: { ...packet, options: packet.options.filter((o) => o.name !== 'Block1'), payload: Buffer.concat(upload.chunks) } };
  }
}

/** One upload: the client endpoint, the request's method, URI and Request-Tag (option 292). */
function uploadKey(packet: ParsedPacket, rsinfo: AddressInfo): string {
  const parts = packet.options
    .filter((o) => o.name === 'Uri-Path' || o.name === 'Uri-Query' || String(o.name) === '292')
    .map((o) => `${String(o.name)}=${o.value.toString('hex')}`);
  return `${rsinfo.address}:${rsinfo.port} ${packet.code} ${parts.join('&')}`;
}
