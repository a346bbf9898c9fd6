/** IAM's input constraints, checked at the edge with IAM's `ValidationError` messages, and its Marker/MaxItems paging. */
import { serviceError } from '../protocols/index.js';

const NAME = /^[\w+=,.@-]+$/;
const PATH = /^(\/|\/[\u0021-\u007E]+\/)$/;

const invalid = (message: string) => serviceError('ValidationError', `1 validation error detected: ${message}`, { status: 400 });

export function checkName(field: string, value: string, max: number): string {
  if (value.length < 1 || value.length > max) throw invalid(`Value '${value}' at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${max}`);
  if (!NAME.test(value)) throw invalid(`Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`);
  return value;
}

export function checkPath(field: string, value: string | undefined): string | undefined {
  if (value !== undefined && (value.length > 512 || !PATH.test(value))) {
    throw invalid(`Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)`);
  }
  return value;
}

export function checkRange(field: string, value: number | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min) throw invalid(`Value '${value}' at '${field}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`);
  if (value > max) throw invalid(`Value '${value}' at '${field}' failed to satisfy constraint: Member must have value less than or equal to ${max}`);
  return value;
}

/** One page of `items` after `Marker` (opaque to clients: the offset), `MaxItems` long (default 100). */
export function page<T>(items: T[], input: { Marker?: string; MaxItems?: number }): { items: T[]; IsTruncated: boolean; Marker?: string } {
  const max = checkRange('maxItems', input.MaxItems, 1, 1000) ?? 100;
  let start = 0;
  if (input.Marker !== undefined) {
    start = Number(Buffer.from(input.Marker, 'base64url').toString());
    if (!Number.isInteger(start) || start < 0) throw serviceError('InvalidInputException', 'Invalid Marker.');
  }
  const slice = items.slice(start, start + max);
  const more = start + max < items.length;
  return { items: slice, IsTruncated: more, ...(more ? { Marker: Buffer.from(String(start + max)).toString('base64url') } : {}) };
}

/** IAM returns policy documents URL-encoded (RFC 3986), as in `%7B%22Version%22%3A…`. */
export const urlEncodedDocument = (doc: string) => encodeURIComponent(doc);
