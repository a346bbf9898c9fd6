import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

const bytes = (d: string | ArrayBuffer | ArrayBufferView) => (typeof d === 'string' ? d : ArrayBuffer.isView(d) ? Buffer.from(d.buffer, d.byteOffset, d.byteLength) : Buffer.from(d));

/** The hash constructor the SDK's signer takes (plain SHA-256, or HMAC when given a secret). */
class Sha256 {
  private readonly h;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

/** The AWS SDK's own SigV4 signer for `service` in us-east-1, as clients sign requests to Thingbench. */
export function sigv4Signer(service: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): SignatureV4 {
  return new SignatureV4({ service, region: 'us-east-1', credentials, sha256: Sha256 });
}
