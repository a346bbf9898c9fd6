import { AWS_PAYLOAD_LIMIT, type MalformedPayload } from './fault-spec.js';

/** Bodies that look like telemetry but are not JSON: cut short, a trailing comma, single quotes, a bare NaN. */
const INVALID_JSON = [
  (i: number) => `{"temperature": 21.5, "seq": ${i}`,
  (i: number) => `{"temperature": 21.5, "seq": ${i},}`,
  (i: number) => `{'temperature': 21.5, 'seq': ${i}}`,
  (i: number) => `{"temperature": NaN, "seq": ${i}}`,
];

/**
 * The `index`-th payload of a `malformed` fault. `oversized` is valid JSON one byte over AWS IoT Core's 128 KiB payload
 * limit (or `bytes` long); `binary` is seeded random bytes that start with 0xFF, so they are neither UTF-8 nor JSON.
 */
export function malformedPayload(kind: MalformedPayload, index: number, random: () => number, bytes?: number): Buffer {
  if (kind === 'invalid-json') return Buffer.from(INVALID_JSON[index % INVALID_JSON.length](index));
  if (kind === 'oversized') return paddedJson({ seq: index, oversized: true }, bytes ?? AWS_PAYLOAD_LIMIT + 1);
  const out = Buffer.alloc(bytes ?? 16 + Math.floor(random() * 48));
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(random() * 256);
  out[0] = 0xff;
  return out;
}

/** `body` as JSON with a `pad` string that makes it exactly `size` bytes (at least the body without padding). */
export function paddedJson(body: Record<string, unknown>, size: number): Buffer {
  const bare = JSON.stringify({ ...body, pad: '' });
  return Buffer.from(JSON.stringify({ ...body, pad: 'x'.repeat(Math.max(0, size - Buffer.byteLength(bare))) }));
}
