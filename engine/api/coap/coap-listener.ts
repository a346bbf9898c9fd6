/**
 * The `coap` package's server, hardened at the two places where datagrams enter it: every request passes the flood
 * limit, the option and size checks before the package sees it (block-wise uploads included: the package would
 * otherwise assemble any number of blocks), and the package's own error replies (an unparsable datagram, an error
 * thrown while it handles one) are counted and answered to the right address — or dropped, for garbage.
 */
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { Server, type CoapPacket } from 'coap';
import { generate, type ParsedPacket } from 'coap-packet';
import type { Logger } from '../../core/index.js';
import { CoapCode, refusedOption } from './coap-codes.js';
import { readBlockOption, requestedBlock, resourceKey, uint } from './coap-block-options.js';
import { BlockUploads } from './coap-blocks.js';
import type { BlockDownloads } from './coap-downloads.js';
import { AddressBuckets, CoapCounters } from './coap-limits.js';

export interface CoapListenerOptions {
  socket: Socket;
  buckets: AddressBuckets;
  counters: CoapCounters;
  /** Observe notifications sent block-wise, whose other blocks clients fetch. */
  downloads: BlockDownloads;
  /** The largest request payload (the broker's payload limit); larger ones get 4.13 with Size1. */
  maxPayloadBytes: () => number;
  logger: Logger;
}

/** A refusal answered before the package handles the request. */
interface Refusal { code: CoapCode; message: string; options?: { name: string; value: Buffer }[] }

export class CoapListener extends Server {
  private readonly uploads = new BlockUploads();

  /** Block-wise transfers open now: uploads, and notifications whose other blocks are still to be fetched. */
  get blockTransfers(): number {
    return this.uploads.size + this.o.downloads.size;
  }

  constructor(private readonly o: CoapListenerOptions) {
    super({ type: o.socket.address().family === 'IPv6' ? 'udp6' : 'udp4' });
  }

  override _handle(packet: CoapPacket, rsinfo: AddressInfo): void {
    const request = packet as ParsedPacket;
    if (!request.code?.startsWith('0.') || request.code === '0.00') return super._handle(packet, rsinfo); // ACK, RST, empty
    this.o.counters.requests++;
    const refusal = this.check(request, rsinfo);
    if (refusal) {
      this.refuse(refusal, request, rsinfo);
      return;
    }
    // Observe is elective: on anything but GET it is ignored (RFC 7641 §2), where the package would answer 5.00.
    if (request.code !== '0.01') request.options = request.options.filter((o) => o.name !== 'Observe');
    else if (this.nextBlock(request, rsinfo)) return;
    const block1 = request.options.find((o) => o.name === 'Block1');
    if (!block1) return super._handle(packet, rsinfo);
    const outcome = this.uploads.take(request, rsinfo, readBlockOption(block1.value)!);
    if (outcome.kind === 'complete') return super._handle(outcome.packet as CoapPacket, rsinfo);
    if (outcome.kind === 'continue') return this.answer(request, rsinfo, '2.31', [{ name: 'Block1', value: block1.value }]);
    if (outcome.kind === 'repeat') return this.answerAgain(request, rsinfo);
    this.refuse({ code: CoapCode.RequestEntityIncomplete, message: 'Block out of order: restart the upload from block 0' }, request, rsinfo);
  }

  /**
   * A GET for a later block of a notification sent block-wise (RFC 7959 §3.4) is answered from the kept payload:
   * the representation notified, to the endpoint it was notified to, whatever the resource holds now.
   */
  private nextBlock(request: ParsedPacket, rsinfo: AddressInfo): boolean {
    const wanted = requestedBlock(request);
    if (!wanted || wanted.num === 0) return false;
    const block = this.o.downloads.block(resourceKey(request, rsinfo), wanted.num, wanted.size);
    if (!block) return false;
    this.answer(request, rsinfo, CoapCode.Content, block.options, block.payload);
    return true;
  }

  /**
   * A finished upload's last block again in the same confirmable message (its ACK was lost): the package's
   * deduplication cache holds the answer once it was sent; until then the repeat is dropped and the client retries.
   */
  private answerAgain(request: ParsedPacket, rsinfo: AddressInfo): void {
    const key = `${rsinfo.address}:${rsinfo.port}/${request.messageId}${request.token.toString('hex')}`;
    const cached = this._lru.peek(key) as Buffer | undefined;
    if (cached) this.o.socket.send(cached, rsinfo.port, rsinfo.address);
  }

  /** The package's error path: a datagram it could not parse (no packet) is dropped; anything else is answered. */
  override _sendError(payload: Buffer, rsinfo: AddressInfo, packet?: CoapPacket, code = '5.00'): void {
    if (!packet) {
      this.o.counters.malformed++;
      this.o.logger.log('debug', 'coap', `dropped a malformed datagram from ${rsinfo.address}:${rsinfo.port} (${payload.toString()})`);
      return;
    }
    this.refuse({ code: code as CoapCode, message: payload.toString() }, packet as ParsedPacket, rsinfo);
  }

  /** Sends a refusal of `request`, counted and logged. */
  refuse(r: Refusal, request: ParsedPacket, rsinfo: AddressInfo): void {
    this.o.counters.refuse(r.code);
    this.o.logger.log(r.code.startsWith('5.') ? 'warn' : 'debug', 'coap', `${r.code} to ${rsinfo.address}:${rsinfo.port}: ${r.message}`);
    this.answer(request, rsinfo, r.code, r.options ?? [], Buffer.from(r.message));
  }

  /** Answers `request` directly (piggybacked on the ACK of a confirmable one). */
  private answer(request: ParsedPacket, rsinfo: AddressInfo, code: string, options: { name: string; value: Buffer }[], payload: Buffer = Buffer.alloc(0)): void {
    let message: Buffer;
    try {
      message = generate({
        code, token: request.token, confirmable: false, ack: request.confirmable,
        messageId: request.confirmable ? request.messageId : randomInt(0x10000), options, payload,
      });
    } catch {
      return; // a token the generator refuses came from a broken packet: nothing sensible to answer
    }
    this.o.socket.send(message, rsinfo.port, rsinfo.address);
  }

  private check(request: ParsedPacket, rsinfo: AddressInfo): Refusal | undefined {
    if (!this.o.buckets.take(rsinfo.address)) {
      return { code: CoapCode.TooManyRequests, message: 'Too many requests from this address', options: [{ name: 'Max-Age', value: Buffer.of(1) }] };
    }
    const option = refusedOption(request.options);
    if (option) return { code: option.code, message: `Unsupported critical option ${option.name}` };
    const max = this.o.maxPayloadBytes();
    const block1 = request.options.find((o) => o.name === 'Block1')?.value;
    let end = request.payload.length;
    if (block1) {
      const block = readBlockOption(block1);
      if (!block) return { code: CoapCode.BadRequest, message: 'Invalid Block1 option' };
      end += block.num * block.size;
    }
    if (max > 0 && end > max) {
      return { code: CoapCode.RequestEntityTooLarge, message: `Payload exceeds the limit of ${max} bytes`, options: [{ name: 'Size1', value: uint(max) }] };
    }
    return undefined;
  }
}
