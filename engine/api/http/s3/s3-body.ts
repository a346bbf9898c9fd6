/**
 * An S3 request body as the object's bytes, decoded as it arrives: plain, or `aws-chunked` as SDKs send it — SigV4
 * streaming (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`, `<hex size>;chunk-signature=<sig>\r\n<data>\r\n`…
 * `0;chunk-signature=…`) or unsigned with trailers (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`, `<hex size>\r\n<data>\r\n`…
 * `0\r\nx-amz-checksum-crc32:<base64>\r\n\r\n`, what current SDKs send by default). Checksums sent as headers or
 * announced trailers (`x-amz-trailer`) are computed on the way and verified at the end where Node computes them
 * (Content-MD5, CRC32, SHA-1, SHA-256); a mismatch is BadDigest. Nothing is buffered beyond a chunk header, so an
 * upload of any size streams to disk in bounded memory.
 *
 * LIMITATIONS: chunk signatures are not verified (the request's own signature is checked off loopback); CRC32C and
 * CRC64NVME checksums are accepted unverified.
 */
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import zlib from 'node:zlib';
import { S3WireError } from './s3-errors.js';

export interface DecodedBody { data: Buffer; checksums: Record<string, string> }

const crc32 = (zlib as unknown as { crc32?: (d: Uint8Array, value?: number) => number }).crc32;
const MAX_CHUNK_HEADER = 4096;
const MAX_TRAILERS = 16 * 1024;

/** Checksums Node computes incrementally, by header name: the label S3 names in BadDigest, and a running digest. */
interface Running { label: string; update(d: Buffer): void; digest(): string }
function running(name: string): Running | undefined {
  if (name === 'x-amz-checksum-crc32' && crc32) {
    let value = 0;
    return {
      label: 'CRC32', update: (d) => { value = crc32(d, value); },
      digest: () => { const b = Buffer.alloc(4); b.writeUInt32BE(value >>> 0); return b.toString('base64'); },
    };
  }
  const algorithm = ({ 'x-amz-checksum-sha1': 'sha1', 'x-amz-checksum-sha256': 'sha256' } as Record<string, string>)[name];
  if (!algorithm) return undefined;
  const h = crypto.createHash(algorithm);
  return { label: algorithm.toUpperCase(), update: (d) => h.update(d), digest: () => h.digest('base64') };
}

export interface DecoderOptions {
  /** Largest decoded body (EntityTooLarge past it). */
  limit?: number;
  /** Also compute the SHA-256 of the body as sent (for a SigV4 check of its payload hash). */
  rawSha256?: boolean;
}

/**
 * Decodes one request body piece by piece: `write` returns the object bytes each piece holds, `end` checks that the
 * body was complete and its checksums match. `checksums` holds those sent (headers, then trailers).
 */
export class S3BodyDecoder {
  readonly checksums: Record<string, string> = {};
  /** Object bytes decoded so far. */
  length = 0;
  private readonly chunked: boolean;
  private state: 'header' | 'data' | 'crlf' | 'trailers' = 'header';
  private header = '';
  private remaining = 0;
  private trailers = '';
  private readonly md5?: crypto.Hash;
  private readonly digests = new Map<string, Running>();
  private readonly raw?: crypto.Hash;

  constructor(private readonly headers: IncomingHttpHeaders, private readonly opts: DecoderOptions = {}) {
    const sha = String(headers['x-amz-content-sha256'] ?? '');
    const encoding = String(headers['content-encoding'] ?? '');
    this.chunked = sha.startsWith('STREAMING-') || encoding.split(',').map((s) => s.trim()).includes('aws-chunked');
    for (const [name, value] of Object.entries(headers)) {
      if (name.startsWith('x-amz-checksum-') && name !== 'x-amz-checksum-type' && name !== 'x-amz-checksum-algorithm' && typeof value === 'string') this.checksums[name] = value;
    }
    const announced = String(headers['x-amz-trailer'] ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    for (const name of new Set([...Object.keys(this.checksums), ...announced])) {
      const r = running(name);
      if (r) this.digests.set(name, r);
    }
    const md5 = headers['content-md5'];
    if (typeof md5 === 'string') {
      if (!/^[A-Za-z0-9+/]{22}==$/.test(md5)) throw new S3WireError('InvalidDigest', 'The Content-MD5 you specified was invalid.');
      this.md5 = crypto.createHash('md5');
    }
    if (opts.rawSha256) this.raw = crypto.createHash('sha256');
  }

  /** The object bytes in `piece` (views into it). */
  write(piece: Buffer): Buffer[] {
    this.raw?.update(piece);
    if (!this.chunked) {
      this.data(piece);
      return piece.length ? [piece] : [];
    }
    const out: Buffer[] = [];
    let at = 0;
    while (at < piece.length) {
      if (this.state === 'header') {
        const eol = piece.indexOf(0x0a, at);
        const end = eol < 0 ? piece.length : eol + 1;
        this.header += piece.toString('latin1', at, end);
        at = end;
        if (this.header.length > MAX_CHUNK_HEADER) throw incomplete();
        if (eol < 0) continue;
        if (!this.header.endsWith('\r\n')) throw incomplete();
        const size = parseInt(this.header.split(';')[0]!, 16);
        if (!Number.isFinite(size) || size < 0) throw incomplete();
        this.header = '';
        if (size === 0) this.state = 'trailers';
        else {
          this.state = 'data';
          this.remaining = size;
        }
      } else if (this.state === 'data') {
        const n = Math.min(this.remaining, piece.length - at);
        const bytes = piece.subarray(at, at + n);
        this.data(bytes);
        out.push(bytes);
        at += n;
        this.remaining -= n;
        if (this.remaining === 0) {
          this.state = 'crlf';
          this.remaining = 2;
        }
      } else if (this.state === 'crlf') {
        if (piece[at] !== (this.remaining === 2 ? 0x0d : 0x0a)) throw incomplete();
        at++;
        if (--this.remaining === 0) this.state = 'header';
      } else {
        this.trailers += piece.toString('latin1', at);
        at = piece.length;
        if (this.trailers.length > MAX_TRAILERS) throw incomplete();
      }
    }
    return out;
  }

  /** The body ended: it must be whole, of its declared length, and match its checksums. */
  end(): void {
    if (this.chunked) {
      if (this.state !== 'trailers') throw incomplete();
      // Trailers: `name:value\r\n` lines up to an empty line (or the end).
      for (const line of this.trailers.split('\r\n')) {
        if (!line) break;
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        if (name.startsWith('x-amz-checksum-')) this.checksums[name] = line.slice(colon + 1).trim();
      }
      const declared = this.headers['x-amz-decoded-content-length'];
      if (declared !== undefined && Number(declared) !== this.length) {
        throw new S3WireError('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header');
      }
    }
    if (this.md5 && this.md5.digest('base64') !== this.headers['content-md5']) throw new S3WireError('BadDigest', 'The Content-MD5 you specified did not match what we received.');
    for (const [name, value] of Object.entries(this.checksums)) {
      const d = this.digests.get(name);
      if (d && d.digest() !== value) throw new S3WireError('BadDigest', `The ${d.label} you specified did not match the calculated checksum.`);
    }
  }

  /** The SHA-256 (hex) of the body as sent, when asked for; after `end`. */
  rawSha256(): string | undefined {
    return this.raw?.digest('hex');
  }

  private data(bytes: Buffer): void {
    this.length += bytes.length;
    if (this.opts.limit !== undefined && this.length > this.opts.limit) {
      throw new S3WireError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', { ProposedSize: this.length, MaxSizeAllowed: this.opts.limit });
    }
    this.md5?.update(bytes);
    for (const d of this.digests.values()) d.update(bytes);
  }
}

/** A whole body already read (small requests). */
export function decodeS3Body(raw: Buffer, headers: IncomingHttpHeaders): DecodedBody {
  const decoder = new S3BodyDecoder(headers);
  const parts = decoder.write(raw);
  decoder.end();
  return { data: parts.length === 1 ? parts[0]! : Buffer.concat(parts), checksums: decoder.checksums };
}

/** A body read as it arrives: the object bytes, pulled (so a slow disk slows the client down); checked at the end. */
export async function* decodeS3Stream(source: AsyncIterable<Buffer>, decoder: S3BodyDecoder): AsyncGenerator<Buffer> {
  for await (const piece of source) yield* decoder.write(piece);
  decoder.end();
}

const incomplete = () => new S3WireError('IncompleteBody', 'The request body terminated unexpectedly');
