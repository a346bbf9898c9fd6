/**
 * The two encodings of MQTT-based file delivery: JSON (block payloads as base64 text) and CBOR (payloads as byte
 * strings), chosen by the topic's last level.
 */
import { decodeCbor, encodeCbor } from '../core/index.js';
import { DeliveryRejection } from './block-request.js';

export interface DeliveryCodec {
  /** The request document; a payload that does not parse is InvalidJson / InvalidCbor. */
  decode(payload: Buffer): unknown;
  encode(body: Record<string, unknown>): Buffer;
  /** A block's bytes as this encoding carries them in `p`. */
  bytes(block: Buffer): unknown;
}

const json: DeliveryCodec = {
  decode(payload) {
    try {
      return JSON.parse(payload.toString('utf8')) as unknown;
    } catch {
      throw new DeliveryRejection('InvalidJson', 'The Stream request is not a valid JSON document');
    }
  },
  encode: (body) => Buffer.from(JSON.stringify(body)),
  bytes: (block) => block.toString('base64'),
};

const cbor: DeliveryCodec = {
  decode(payload) {
    try {
      return decodeCbor(payload);
    } catch {
      throw new DeliveryRejection('InvalidCbor', 'The Stream request is not a valid CBOR document');
    }
  },
  encode: (body) => encodeCbor(body),
  bytes: (block) => block,
};

export const deliveryCodecs = { json, cbor } satisfies Record<string, DeliveryCodec>;

export type DeliveryFormat = keyof typeof deliveryCodecs;
