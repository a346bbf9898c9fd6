/**
 * The field paths of JSON payloads (`temp`, `env.humidity`, `readings[*]` as `readings`), for completing a rule's
 * SELECT and WHERE. Plain and framework-free.
 */
import { decodePayload } from '../../lib/format.js';

const MAX_DEPTH = 4;
const MAX_FIELDS = 400;
const WORD = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Sorted unique dotted paths of the object fields in `payloads` (base64); non-JSON payloads add nothing. */
export function payloadFields(payloads: Iterable<{ payload: string; truncated?: boolean }>): string[] {
  const out = new Set<string>();
  const walk = (value: unknown, prefix: string, depth: number) => {
    if (out.size >= MAX_FIELDS || depth > MAX_DEPTH || typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      for (const item of value.slice(0, 5)) walk(item, prefix, depth + 1);
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      // Keys that are not SQL identifiers would need quoting; AWS SQL cannot name them in a path.
      if (!WORD.test(key)) continue;
      const path = prefix ? `${prefix}.${key}` : key;
      out.add(path);
      walk(child, path, depth + 1);
    }
  };
  for (const m of payloads) {
    if (m.truncated) continue;
    const decoded = decodePayload(m.payload);
    if (decoded.kind === 'text' && decoded.isJson) walk(decoded.json, '', 0);
  }
  return [...out].sort();
}
