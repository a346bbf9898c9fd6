/** Variable Byte Integers (MQTT 5.0 §1.5.5): read, size and write, without allocating. */

/** Largest value a Variable Byte Integer holds (four bytes). */
export const MAX_VARIABLE_BYTE_INTEGER = 268_435_455;

// Results of readVariableByteInteger other than a value.
export const VBI_TRUNCATED = -1;
export const VBI_TOO_LONG = -2;
export const VBI_NOT_MINIMAL = -3;

/**
 * The Variable Byte Integer at `at` (§1.5.5), read no further than `limit`; or VBI_TRUNCATED, VBI_TOO_LONG (more than
 * four bytes) or VBI_NOT_MINIMAL ([MQTT-1.5.5-1]). A valid one occupies variableByteIntegerLength(value) bytes.
 */
export function readVariableByteInteger(buf: Uint8Array, at: number, limit: number): number {
  let value = 0;
  let multiplier = 1;
  for (let i = 0; i < 4; i++) {
    if (at + i >= limit) return VBI_TRUNCATED;
    const b = buf[at + i];
    value += (b & 0x7f) * multiplier;
    if ((b & 0x80) === 0) return i > 0 && b === 0 ? VBI_NOT_MINIMAL : value;
    multiplier *= 128;
  }
  return VBI_TOO_LONG;
}

/** How many bytes the Variable Byte Integer `n` takes (1–4). */
export function variableByteIntegerLength(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}

/** Writes `n` (0..MAX_VARIABLE_BYTE_INTEGER) as a Variable Byte Integer at `at`; returns the offset after it. */
export function writeVariableByteInteger(buf: Uint8Array, at: number, n: number): number {
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    buf[at++] = b;
  } while (n > 0);
  return at;
}
