/** Block-wise transfer's options (RFC 7959 §2.2) and the key that names one resource as one client endpoint sees it. */
import type { AddressInfo } from 'node:net';
import type { ParsedPacket } from 'coap-packet';

/** The largest block (SZX 6): also the block size when the client asked for none. */
export const MAX_BLOCK = 1024;

/** A Block1 or Block2 option's number, more flag and size (RFC 7959 §2.2); undefined for an invalid one. */
export function readBlockOption(value: Buffer): { num: number; more: boolean; size: number } | undefined {
  if (value.length > 3) return undefined;
  const n = value.reduce((acc, b) => acc * 256 + b, 0);
  const szx = n & 7;
  if (szx === 7) return undefined;
  return { num: Math.floor(n / 16), more: (n & 8) !== 0, size: 2 ** (szx + 4) };
}

/** The block size a request asks for with its Block2 option (at most 1024), or undefined when it has none. */
export function requestedBlock(packet: ParsedPacket): { num: number; size: number } | undefined {
  const option = packet.options.find((o) => o.name === 'Block2');
  const block = option ? readBlockOption(option.value) : undefined;
  return block ? { num: block.num, size: Math.min(block.size, MAX_BLOCK) } : undefined;
}

/** One resource as one client endpoint sees it: its address and port, and the request's Uri-Path and Uri-Query. */
export function resourceKey(packet: ParsedPacket, client: AddressInfo | string, extra: readonly string[] = []): string {
  const endpoint = typeof client === 'string' ? client : `${client.address}:${client.port}`;
  const parts = packet.options
    .filter((o) => o.name === 'Uri-Path' || o.name === 'Uri-Query' || extra.includes(String(o.name)))
    .map((o) => `${String(o.name)}=${o.value.toString('hex')}`);
  return `${endpoint} ${parts.join('&')}`;
}

/** A Block1/Block2 option value (RFC 7959 §2.2): NUM, M, SZX in the fewest bytes. */
export function blockValue(num: number, more: boolean, size: number): Buffer {
  return uint(num * 16 + (more ? 8 : 0) + Math.log2(size) - 4);
}

/** An unsigned integer option value in the fewest bytes (RFC 7252 §3.2). */
export function uint(n: number): Buffer {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from(bytes);
}

/** Transfers seen within `idleMs` of `now` (the others are forgotten at their next lookup). */
export function freshCount(transfers: Iterable<{ at: number }>, now: number, idleMs: number): number {
  let n = 0;
  for (const t of transfers) if (now - t.at <= idleMs) n++;
  return n;
}
