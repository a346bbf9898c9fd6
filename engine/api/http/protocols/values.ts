/** Scalar conversions shared by the codecs (what a handler may hand back for a timestamp or a blob). */

/** A handler's timestamp (`Date`, epoch milliseconds or an ISO string) as a Date; undefined when unreadable. */
export function toDate(v: unknown): Date | undefined {
  const d = v instanceof Date ? v : typeof v === 'number' ? new Date(v) : typeof v === 'string' ? new Date(v) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d : undefined;
}

/** ISO 8601 as AWS's query services write it: `2024-01-02T03:04:05Z` (milliseconds only when there are some). */
export function isoTimestamp(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

export function toBase64(v: unknown): string {
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return Buffer.from(String(v)).toString('base64');
}

/** A member's name as AWS's validation messages spell it (`RoleName` → `roleName`). */
export const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
