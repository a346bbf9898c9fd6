/**
 * Just enough CBOR (RFC 8949) to answer fleet provisioning's `…/cbor` topics: a map of text keys to text strings and
 * unsigned integers (major types 0, 3 and 5, definite lengths).
 */
export function encodeCborMap(map: Record<string, string | number>): Buffer {
  const parts: Buffer[] = [head(5, Object.keys(map).length)];
  for (const [k, v] of Object.entries(map)) {
    parts.push(text(k));
    parts.push(typeof v === 'number' ? head(0, v) : text(v));
  }
  return Buffer.concat(parts);
}

function text(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([head(3, bytes.length), bytes]);
}

function head(major: number, n: number): Buffer {
  const m = major << 5;
  if (n < 24) return Buffer.from([m | n]);
  if (n < 0x100) return Buffer.from([m | 24, n]);
  if (n < 0x10000) return Buffer.from([m | 25, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = m | 26;
  b.writeUInt32BE(n, 1);
  return b;
}
