/**
 * UTF-8 checks for MQTT 5 strings ([MQTT-1.5.4-1], [MQTT-1.5.4-2]), on a byte range, without allocating.
 * Returns UTF8_OK, or which rule the bytes break.
 */
export const UTF8_OK = 0;
/** Not well-formed UTF-8: stray continuation byte, truncated sequence, overlong form, or above U+10FFFF. */
export const UTF8_ILL_FORMED = 1;
/** Encodes a UTF-16 surrogate (U+D800..U+DFFF). */
export const UTF8_SURROGATE = 2;
/** Encodes the null character U+0000. */
export const UTF8_NULL = 3;

export function checkUtf8(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const b = buf[i];
    if (b < 0x80) {
      if (b === 0) return UTF8_NULL;
      i++;
      continue;
    }
    if (b < 0xc2) return UTF8_ILL_FORMED; // continuation byte, or overlong 2-byte lead C0/C1
    if (b < 0xe0) {
      if (i + 1 >= end || (buf[i + 1] & 0xc0) !== 0x80) return UTF8_ILL_FORMED;
      i += 2;
      continue;
    }
    if (b < 0xf0) {
      if (i + 2 >= end) return UTF8_ILL_FORMED;
      const b1 = buf[i + 1];
      if ((b1 & 0xc0) !== 0x80 || (buf[i + 2] & 0xc0) !== 0x80) return UTF8_ILL_FORMED;
      if (b === 0xe0 && b1 < 0xa0) return UTF8_ILL_FORMED; // overlong
      if (b === 0xed && b1 >= 0xa0) return UTF8_SURROGATE;
      i += 3;
      continue;
    }
    if (b < 0xf5) {
      if (i + 3 >= end) return UTF8_ILL_FORMED;
      const b1 = buf[i + 1];
      if ((b1 & 0xc0) !== 0x80 || (buf[i + 2] & 0xc0) !== 0x80 || (buf[i + 3] & 0xc0) !== 0x80) return UTF8_ILL_FORMED;
      if (b === 0xf0 && b1 < 0x90) return UTF8_ILL_FORMED; // overlong
      if (b === 0xf4 && b1 >= 0x90) return UTF8_ILL_FORMED; // above U+10FFFF
      i += 4;
      continue;
    }
    return UTF8_ILL_FORMED;
  }
  return UTF8_OK;
}
