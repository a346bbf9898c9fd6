import { EngineError } from './errors.js';

/**
 * CBOR (RFC 8949), the binary JSON that AWS IoT accepts and answers on the `…/cbor` topics of fleet provisioning.
 *
 * Values map to JavaScript as follows (both ways):
 * - major 0/1 integers ↔ `number` (safe integers) or `bigint` (beyond 2^53 on decode; any `bigint` on encode);
 * - major 2 byte strings ↔ `Buffer` (encode also takes any `Uint8Array`); major 3 text strings ↔ `string`;
 * - major 4 arrays ↔ arrays; major 5 maps ↔ plain objects (text keys; integer keys become their decimal text);
 * - major 6 tags ↔ {@link CborTag} (tags 2 and 3, bignums, decode to `bigint`);
 * - major 7: `false`, `true`, `null`, `undefined`, half/single/double floats ↔ `number` (encoded in the shortest
 *   float that holds the value exactly, RFC 8949 §4.2.2 preferred serialization), other simple values ↔ {@link CborSimple}.
 *
 * Decoding accepts definite and indefinite lengths (strings, arrays, maps), refuses trailing bytes, malformed items,
 * invalid UTF-8, too deep nesting and lengths beyond the input, each as `EngineError('InvalidInput', …)`.
 *
 * LIMITATIONS: map keys must be text or integers on decode (AWS's documents only use text keys); duplicate keys keep
 * the last value; `Map` objects, dates and other tags are not given special meaning.
 */

export class CborTag {
  constructor(readonly tag: number | bigint, readonly value: CborValue) {}
}

export class CborSimple {
  constructor(readonly value: number) {}
}

export type CborValue =
  | number | bigint | string | boolean | null | undefined | Buffer | Uint8Array | CborTag | CborSimple
  | CborValue[] | { [key: string]: CborValue };

export interface CborDecodeOptions {
  /** Deepest nesting of arrays, maps and tags (default 64). */
  maxDepth?: number;
  /** Largest input accepted, in bytes (default 16 MiB). */
  maxBytes?: number;
}

const DEFAULT_MAX_DEPTH = 64;
const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

// ── encode ──────────────────────────────────────────────────────────────────────────────────────────────────────

export function encodeCbor(value: unknown): Buffer {
  const out: Buffer[] = [];
  encodeItem(value, out, 0);
  return Buffer.concat(out);
}

function encodeItem(v: unknown, out: Buffer[], depth: number): void {
  if (depth > DEFAULT_MAX_DEPTH) throw new EngineError('InvalidInput', `CBOR: value nested deeper than ${DEFAULT_MAX_DEPTH} levels`);
  if (v === null) return void out.push(Buffer.from([0xf6]));
  if (v === undefined) return void out.push(Buffer.from([0xf7]));
  if (v === false) return void out.push(Buffer.from([0xf4]));
  if (v === true) return void out.push(Buffer.from([0xf5]));
  if (typeof v === 'number') return void out.push(encodeNumber(v));
  if (typeof v === 'bigint') return void out.push(encodeBigInt(v));
  if (typeof v === 'string') {
    const bytes = Buffer.from(v, 'utf8');
    out.push(head(3, bytes.length), bytes);
    return;
  }
  if (v instanceof Uint8Array) {
    out.push(head(2, v.length), Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    return;
  }
  if (Array.isArray(v)) {
    out.push(head(4, v.length));
    for (const item of v) encodeItem(item, out, depth + 1);
    return;
  }
  if (v instanceof CborTag) {
    out.push(head(6, v.tag));
    encodeItem(v.value, out, depth + 1);
    return;
  }
  if (v instanceof CborSimple) {
    if (!Number.isInteger(v.value) || v.value < 0 || v.value > 255 || (v.value >= 24 && v.value < 32)) {
      throw new EngineError('InvalidInput', `CBOR: ${v.value} is not a simple value`);
    }
    out.push(v.value < 24 ? Buffer.from([0xe0 | v.value]) : Buffer.from([0xf8, v.value]));
    return;
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => typeof x !== 'function');
    out.push(head(5, entries.length));
    for (const [k, x] of entries) {
      encodeItem(k, out, depth + 1);
      encodeItem(x, out, depth + 1);
    }
    return;
  }
  throw new EngineError('InvalidInput', `CBOR: cannot encode a ${typeof v}`);
}

function encodeNumber(n: number): Buffer {
  if (Number.isSafeInteger(n) && !Object.is(n, -0)) return n >= 0 ? head(0, n) : head(1, -1 - n);
  return encodeFloat(n);
}

function encodeBigInt(n: bigint): Buffer {
  const major = n >= 0n ? 0 : 1;
  const u = n >= 0n ? n : -1n - n;
  if (u <= 0xffffffffffffffffn) return head(major, u);
  // RFC 8949 §3.4.3: bignums beyond 64 bits are tag 2 (positive) or 3 (negative) around a byte string.
  let hex = u.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  return Buffer.concat([head(6, major === 0 ? 2 : 3), head(2, bytes.length), bytes]);
}

function encodeFloat(n: number): Buffer {
  const half = toHalf(n);
  if (half !== undefined) {
    const b = Buffer.alloc(3);
    b[0] = 0xf9;
    b.writeUInt16BE(half, 1);
    return b;
  }
  if (Math.fround(n) === n) {
    const b = Buffer.alloc(5);
    b[0] = 0xfa;
    b.writeFloatBE(n, 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = 0xfb;
  b.writeDoubleBE(n, 1);
  return b;
}

/** The IEEE 754 half-precision bits of `n` when a half holds it exactly. */
function toHalf(n: number): number | undefined {
  if (Number.isNaN(n)) return 0x7e00;
  if (n === Infinity) return 0x7c00;
  if (n === -Infinity) return 0xfc00;
  if (n === 0) return Object.is(n, -0) ? 0x8000 : 0;
  const sign = n < 0 ? 0x8000 : 0;
  const a = Math.abs(n);
  // Normal halves: 2^-14 ≤ a < 65520 with 10 fraction bits; subnormals: multiples of 2^-24 below 2^-14.
  if (a < 2 ** -14) {
    const m = a / 2 ** -24;
    return Number.isInteger(m) && m < 1024 ? sign | m : undefined;
  }
  if (a > 65504) return undefined;
  const e = Math.floor(Math.log2(a));
  const m = a / 2 ** e - 1; // [0, 1)
  const frac = m * 1024;
  if (!Number.isInteger(frac)) return undefined;
  if (decodeHalf(sign | ((e + 15) << 10) | frac) !== n) return undefined; // guard log2 rounding at powers of two
  return sign | ((e + 15) << 10) | frac;
}

function head(major: number, n: number | bigint): Buffer {
  const m = major << 5;
  if (typeof n === 'number') {
    if (n < 24) return Buffer.from([m | n]);
    if (n < 0x100) return Buffer.from([m | 24, n]);
    if (n < 0x10000) return Buffer.from([m | 25, n >> 8, n & 0xff]);
    if (n < 0x100000000) {
      const b = Buffer.alloc(5);
      b[0] = m | 26;
      b.writeUInt32BE(n, 1);
      return b;
    }
    n = BigInt(n);
  }
  if (n < 0x100000000n) return head(major, Number(n));
  const b = Buffer.alloc(9);
  b[0] = m | 27;
  b.writeBigUInt64BE(n, 1);
  return b;
}

// ── decode ──────────────────────────────────────────────────────────────────────────────────────────────────────

export function decodeCbor(input: Uint8Array, options: CborDecodeOptions = {}): CborValue {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (buf.length > maxBytes) throw invalid(`input of ${buf.length} bytes is larger than ${maxBytes}`);
  if (buf.length === 0) throw invalid('input is empty');
  const r = new Reader(buf, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  const value = r.item(0);
  if (value === BREAK) throw invalid('unexpected break (0xff) at offset 0');
  if (r.pos !== buf.length) throw invalid(`${buf.length - r.pos} unexpected bytes after the item, at offset ${r.pos}`);
  return value;
}

const BREAK = Symbol('break');
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function invalid(message: string): EngineError {
  return new EngineError('InvalidInput', `CBOR: ${message}`);
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer, private readonly maxDepth: number) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw invalid(`input ends inside an item (needed ${n} more bytes at offset ${this.pos})`);
  }

  private byte(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  /** The argument of a head: a number, a bigint beyond 2^53, or `undefined` for an indefinite length (ai 31). */
  private argument(ai: number): number | bigint | undefined {
    if (ai < 24) return ai;
    switch (ai) {
      case 24: return this.byte();
      case 25: this.need(2); this.pos += 2; return this.buf.readUInt16BE(this.pos - 2);
      case 26: this.need(4); this.pos += 4; return this.buf.readUInt32BE(this.pos - 4);
      case 27: {
        this.need(8);
        this.pos += 8;
        const v = this.buf.readBigUInt64BE(this.pos - 8);
        return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      case 31: return undefined;
      default: throw invalid(`reserved additional information ${ai} at offset ${this.pos - 1}`);
    }
  }

  /** A length that must fit in what is left of the input (each element takes at least `unit` bytes). */
  private length(n: number | bigint, unit: number): number {
    const left = this.buf.length - this.pos;
    if (typeof n === 'bigint' || n * unit > left) throw invalid(`length ${n} at offset ${this.pos} runs past the end of the input`);
    return n;
  }

  item(depth: number): CborValue | typeof BREAK {
    const start = this.pos;
    const ib = this.byte();
    const major = ib >> 5;
    const ai = ib & 0x1f;
    if (major === 7) return this.simple(ai, start);
    const arg = this.argument(ai);
    if (arg === undefined && (major === 0 || major === 1 || major === 6)) throw invalid(`indefinite length on major type ${major} at offset ${start}`);
    switch (major) {
      case 0: return arg!;
      case 1: return typeof arg === 'bigint' ? -1n - arg : safeNegative(arg!);
      case 2: return arg === undefined ? this.chunks(2, start) : Buffer.from(this.bytes(this.length(arg, 1)));
      case 3: return arg === undefined ? this.text(this.chunks(3, start)) : this.text(this.bytes(this.length(arg, 1)));
      case 4: return this.array(arg, depth, start);
      case 5: return this.map(arg, depth, start);
      default: return this.tag(arg!, depth);
    }
  }

  private bytes(n: number): Buffer {
    this.need(n);
    this.pos += n;
    return this.buf.subarray(this.pos - n, this.pos);
  }

  private text(bytes: Buffer): string {
    try {
      return utf8.decode(bytes);
    } catch {
      throw invalid(`text string is not valid UTF-8 (ending at offset ${this.pos})`);
    }
  }

  /** An indefinite-length byte or text string: definite chunks of the same major type up to a break. */
  private chunks(major: number, start: number): Buffer {
    const parts: Buffer[] = [];
    for (;;) {
      const ib = this.byte();
      if (ib === 0xff) return Buffer.concat(parts);
      if (ib >> 5 !== major) throw invalid(`indefinite-length string at offset ${start} holds a chunk of major type ${ib >> 5}`);
      const n = this.argument(ib & 0x1f);
      if (n === undefined) throw invalid(`nested indefinite-length string at offset ${this.pos - 1}`);
      const chunk = this.bytes(this.length(n, 1));
      if (major === 3) this.text(chunk); // each chunk must itself be valid UTF-8 (RFC 8949 §3.2.3)
      parts.push(chunk);
    }
  }

  private nested(depth: number, start: number): number {
    if (depth + 1 > this.maxDepth) throw invalid(`nesting deeper than ${this.maxDepth} levels at offset ${start}`);
    return depth + 1;
  }

  private array(n: number | bigint | undefined, depth: number, start: number): CborValue[] {
    const d = this.nested(depth, start);
    const out: CborValue[] = [];
    if (n === undefined) {
      for (;;) {
        const v = this.item(d);
        if (v === BREAK) return out;
        out.push(v);
      }
    }
    const count = this.length(n, 1);
    for (let i = 0; i < count; i++) out.push(this.value(d));
    return out;
  }

  private map(n: number | bigint | undefined, depth: number, start: number): { [key: string]: CborValue } {
    const d = this.nested(depth, start);
    const out: { [key: string]: CborValue } = {};
    const count = n === undefined ? Infinity : this.length(n, 2);
    for (let i = 0; i < count; i++) {
      const keyAt = this.pos;
      const k = this.item(d);
      if (k === BREAK) {
        if (n === undefined) return out;
        throw invalid(`unexpected break at offset ${keyAt}`);
      }
      if (typeof k !== 'string' && typeof k !== 'number' && typeof k !== 'bigint') throw invalid(`map key at offset ${keyAt} is not a text string or an integer`);
      // defineProperty, so a "__proto__" key is an own property as JSON.parse makes it, never the prototype.
      Object.defineProperty(out, String(k), { value: this.value(d), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  private tag(t: number | bigint, depth: number): CborValue {
    const d = this.nested(depth, this.pos);
    const v = this.value(d);
    if ((t === 2 || t === 3) && Buffer.isBuffer(v)) {
      const u = v.length === 0 ? 0n : BigInt(`0x${v.toString('hex')}`);
      return t === 2 ? u : -1n - u;
    }
    return new CborTag(t, v);
  }

  /** An item that may not be a break. */
  private value(depth: number): CborValue {
    const at = this.pos;
    const v = this.item(depth);
    if (v === BREAK) throw invalid(`unexpected break at offset ${at}`);
    return v;
  }

  private simple(ai: number, start: number): CborValue | typeof BREAK {
    if (ai < 20) return new CborSimple(ai);
    switch (ai) {
      case 20: return false;
      case 21: return true;
      case 22: return null;
      case 23: return undefined;
      case 24: {
        const v = this.byte();
        if (v < 32) throw invalid(`simple value ${v} in two bytes at offset ${start}`);
        return new CborSimple(v);
      }
      case 25: this.need(2); this.pos += 2; return decodeHalf(this.buf.readUInt16BE(this.pos - 2));
      case 26: this.need(4); this.pos += 4; return this.buf.readFloatBE(this.pos - 4);
      case 27: this.need(8); this.pos += 8; return this.buf.readDoubleBE(this.pos - 8);
      case 31: return BREAK;
      default: throw invalid(`reserved additional information ${ai} at offset ${start}`);
    }
  }
}

function safeNegative(n: number | bigint): number | bigint {
  const v = -1 - (n as number);
  return Number.isSafeInteger(v) ? v : -1n - BigInt(n);
}

/** RFC 8949 appendix D. */
function decodeHalf(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  let val: number;
  if (exp === 0) val = mant * 2 ** -24;
  else if (exp !== 31) val = (mant + 1024) * 2 ** (exp - 25);
  else val = mant === 0 ? Infinity : NaN;
  return h & 0x8000 ? -val : val;
}
