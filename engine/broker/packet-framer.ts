/**
 * Watches MQTT fixed headers in the raw byte stream so that an oversized or malformed packet closes
 * the connection before the parser buffers it. Skips bodies by count: a few operations per packet.
 */
export class PacketFramer {
  private skip = 0;
  private inHeader = false;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;

  constructor(private readonly maxPacketBytes: number) {}

  /** Returns an error message when the stream must be closed, else null. */
  feed(buf: Uint8Array): string | null {
    let i = 0;
    while (i < buf.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, buf.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      const byte = buf[i++];
      if (!this.inHeader) {
        this.inHeader = true;
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      if (++this.lengthBytes > 4) return 'malformed remaining length';
      if (byte & 0x80) continue;
      if (this.length > this.maxPacketBytes) return `packet of ${this.length} bytes exceeds the limit of ${this.maxPacketBytes}`;
      this.inHeader = false;
      this.skip = this.length;
    }
    return null;
  }
}
