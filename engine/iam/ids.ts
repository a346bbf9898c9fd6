import { randomBytes } from 'node:crypto';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `prefix` + n random upper-case letters and digits: IAM's unique ids (`AROA…` roles, `ANPA…` policies, `ASIA…` keys). */
export function iamId(prefix: string, n: number): string {
  const bytes = randomBytes(n);
  let out = prefix;
  for (let i = 0; i < n; i++) out += UPPER[bytes[i] & 31];
  return out;
}

/** A 40-character secret access key, as AWS's look. */
export const secretKey = () => randomBytes(30).toString('base64').replace(/[+/]/g, (c) => (c === '+' ? 'A' : 'B'));

/** An opaque session token (AWS's are long base64 strings). */
export const sessionToken = () => `IQoJb3JpZ2luX2Vj${randomBytes(96).toString('base64')}`;
