/**
 * Bounds on what one rule can build. AWS IoT caps a message payload at 128 KB [GR], and a rule's output is a
 * message, so no string, array or object a rule makes may exceed that size: a function or operator that would
 * build more fails with `LimitExceeded` (at CreateTopicRule when it is folded from constants, which is then a
 * SqlParseException; at evaluation the rule fails with the reason in its trace). Sizes are JSON-ish: string
 * lengths plus one per value, counted without recursion and without ever walking past the limit, so values that
 * share parts (`SET @b = [@a, @a]`) cannot hide an exponential expansion.
 */
import { SqlEvaluationError } from './diagnostics.js';
import type { SqlValue } from './values.js';

/** AWS IoT's message payload limit, 128 KB [GR], in characters. */
export const MAX_VALUE_SIZE = 128 * 1024;

const sizes = new WeakMap<object, number>();

export function limitExceeded(what: string): SqlEvaluationError {
  return new SqlEvaluationError('LimitExceeded', `${what}: the result would exceed 128 KB, AWS IoT's message size limit`);
}

/** A string result, or LimitExceeded when it is too long. */
export function checkedText(s: string, what: string): string {
  checkLength(s.length, what);
  return s;
}

/** Throws LimitExceeded when a string of `length` characters would be too long (check before building it). */
export function checkLength(length: number, what: string): void {
  if (length > MAX_VALUE_SIZE) throw limitExceeded(what);
}

/** The size of a value, or anything above MAX_VALUE_SIZE once it is known to be larger. */
export function sizeOf(v: SqlValue): number {
  if (typeof v === 'string') return v.length + 2;
  if (typeof v !== 'object' || v === null) return 1;
  const known = sizes.get(v);
  if (known !== undefined) return known;
  let total = 0;
  const stack: SqlValue[] = [v];
  while (stack.length && total <= MAX_VALUE_SIZE) {
    const x = stack.pop();
    if (typeof x === 'string') { total += x.length + 2; continue; }
    if (typeof x !== 'object' || x === null) { total += 1; continue; }
    const k = x === v ? undefined : sizes.get(x);
    if (k !== undefined) { total += k; continue; }
    if (Array.isArray(x)) { total += 1; for (const e of x) stack.push(e); continue; }
    for (const key of Object.keys(x)) { total += key.length + 3; stack.push(x[key]); }
  }
  sizes.set(v, total);
  return total;
}

/** A newly built array or object whose size the builder counted as it went (so nobody walks it again). */
export function withSize<T extends object>(v: T, size: number, what: string): T {
  if (size > MAX_VALUE_SIZE) throw limitExceeded(what);
  sizes.set(v, size);
  return v;
}

/** A newly built array or object, after checking its size (and remembering it for whoever contains it). */
export function sized<T extends SqlValue>(v: T, what: string): T {
  if (sizeOf(v) > MAX_VALUE_SIZE) throw limitExceeded(what);
  return v;
}

/**
 * JSON nested deeper than this is not parsed as JSON (the payload counts as binary; `decode` returns the text).
 * AWS documents no figure; Jackson, the usual Java JSON parser, stops at 1000 by default. Every pass over a value
 * (comparison, serialization) recurses, so this keeps them far from the stack's end.
 */
export const MAX_JSON_DEPTH = 1000;

/**
 * Whether `text` nests arrays and objects deeper than MAX_JSON_DEPTH. On the path of every message, so it is
 * free for texts too short to hold that many brackets, and counts them natively (indexOf) before it scans.
 */
export function jsonTooDeep(text: string): boolean {
  if (text.length <= MAX_JSON_DEPTH) return false;
  if (count(text, '[') + count(text, '{') <= MAX_JSON_DEPTH) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** Occurrences of `c` in `text`, up to just past MAX_JSON_DEPTH. */
function count(text: string, c: string): number {
  let n = 0;
  for (let i = text.indexOf(c); i >= 0 && n <= MAX_JSON_DEPTH; i = text.indexOf(c, i + 1)) n++;
  return n;
}
