/**
 * Lambda event filtering [Lambda DG: "Lambda event filtering"]: an event source mapping's `FilterCriteria` holds up to
 * five patterns in EventBridge's syntax; a record reaches the function when any one matches, the others are dropped
 * (deleted from the queue, or passed over in the stream). A pattern names fields to match (all must match), nested
 * objects for nested fields, and for each field a list of rules (any may match): values (strings, numbers, booleans,
 * null), `prefix`, `suffix`, `equals-ignore-case`, `anything-but` (a value, a list, or `{prefix}` / `{suffix}`),
 * `numeric` (`=`, `<`, `<=`, `>`, `>=`, ranges) and `exists`; `$or` lists alternative patterns. A field holding a list
 * matches when any element does.
 *
 * What a pattern sees: for Kinesis, the record's `kinesis` fields at the top (`partitionKey`, …) with `data` decoded
 * from base64 and parsed when it is JSON; for SQS, the record with `body` parsed when it is JSON; for DynamoDB, the
 * record as sent. A pattern for `data` or `body` written as JSON does not match a body that is plain text, and the
 * other way round, as Lambda drops such records.
 *
 * LIMITATIONS: no `wildcard` or `cidr` rules; numbers compare as doubles.
 */
import { EngineError } from '../core/index.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Pattern = { [k: string]: Json };

export interface FilterCriteria { Filters: Array<{ Pattern: string }> }

const MAX_FILTERS = 5;
const isObject = (v: unknown): v is { [k: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);
const invalid = () => new EngineError('InvalidInput', 'Invalid filter pattern definition.');
const OPERATORS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'anything-but', 'numeric', 'exists']);
const NUMERIC_OPS = new Set(['=', '<', '<=', '>', '>=']);

/** Checks FilterCriteria as Lambda does; returns the parsed patterns (none: `{}` or an empty list). */
export function parseFilterCriteria(criteria: unknown): Pattern[] {
  if (criteria === undefined || criteria === null) return [];
  if (!isObject(criteria)) throw invalid();
  const filters = (criteria as { Filters?: unknown }).Filters;
  if (filters === undefined || filters === null) return [];
  if (!Array.isArray(filters)) throw invalid();
  if (filters.length > MAX_FILTERS) throw new EngineError('InvalidInput', `The filter criteria has ${filters.length} filters; an event source mapping takes at most ${MAX_FILTERS}.`);
  return filters.map((f) => {
    const text = isObject(f) ? f.Pattern : undefined;
    if (typeof text !== 'string') throw invalid();
    let pattern: unknown;
    try {
      pattern = JSON.parse(text);
    } catch {
      throw invalid();
    }
    if (!isObject(pattern)) throw invalid();
    checkPattern(pattern);
    return pattern;
  });
}

function checkPattern(p: { [k: string]: Json }): void {
  for (const [key, cond] of Object.entries(p)) {
    if (key === '$or') {
      if (!Array.isArray(cond) || cond.length < 2 || !cond.every(isObject)) throw invalid();
      cond.forEach((c) => checkPattern(c as { [k: string]: Json }));
    } else if (Array.isArray(cond)) {
      if (!cond.length) throw invalid();
      cond.forEach(checkRule);
    } else if (isObject(cond)) {
      checkPattern(cond);
    } else {
      throw invalid();
    }
  }
}

function checkRule(rule: Json): void {
  if (!isObject(rule)) return;
  const keys = Object.keys(rule);
  if (keys.length !== 1 || !OPERATORS.has(keys[0])) throw invalid();
  const v = rule[keys[0]];
  switch (keys[0]) {
    case 'prefix': case 'suffix': case 'equals-ignore-case':
      if (typeof v !== 'string') throw invalid();
      return;
    case 'exists':
      if (typeof v !== 'boolean') throw invalid();
      return;
    case 'anything-but':
      if (isObject(v)) {
        const [k, s] = Object.entries(v)[0] ?? [];
        if (Object.keys(v).length !== 1 || (k !== 'prefix' && k !== 'suffix') || typeof s !== 'string') throw invalid();
      } else if (Array.isArray(v) ? !v.length || v.some((x) => isObject(x) || Array.isArray(x)) : false) {
        throw invalid();
      }
      return;
    case 'numeric': {
      if (!Array.isArray(v) || v.length < 2 || v.length % 2 || v.length > 4) throw invalid();
      for (let i = 0; i < v.length; i += 2) if (typeof v[i] !== 'string' || !NUMERIC_OPS.has(v[i] as string) || typeof v[i + 1] !== 'number') throw invalid();
      return;
    }
  }
}

/** Whether a record (as its pattern view, see the header) matches any pattern; true when there are none. */
export function matchesAny(patterns: Pattern[], view: unknown): boolean {
  return patterns.length === 0 || patterns.some((p) => matches(p, view as Json));
}

function matches(pattern: { [k: string]: Json }, event: Json): boolean {
  for (const [key, cond] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!(cond as Json[]).some((alt) => matches(alt as { [k: string]: Json }, event))) return false;
      continue;
    }
    const present = isObject(event) && Object.prototype.hasOwnProperty.call(event, key);
    const value = present ? (event as { [k: string]: Json })[key] : undefined;
    if (Array.isArray(cond)) {
      if (!cond.some((rule) => ruleMatches(rule, present, value))) return false;
    } else if (!present || !isObject(value) || !matches(cond as { [k: string]: Json }, value)) {
      // A nested pattern whose rules all say "does not exist" matches an absent object.
      if (present || !absentMatches(cond as { [k: string]: Json })) return false;
    }
  }
  return true;
}

function absentMatches(pattern: { [k: string]: Json }): boolean {
  return Object.values(pattern).every((c) => (Array.isArray(c) ? c.some((r) => isObject(r) && r.exists === false) : isObject(c) && absentMatches(c)));
}

function ruleMatches(rule: Json, present: boolean, value: Json | undefined): boolean {
  if (isObject(rule) && 'exists' in rule) return rule.exists === present;
  if (!present) return false;
  const values = Array.isArray(value) ? value : [value as Json];
  return values.some((v) => scalarMatches(rule, v));
}

function scalarMatches(rule: Json, v: Json): boolean {
  if (!isObject(rule)) return isObject(v) || Array.isArray(v) ? false : rule === v;
  const [op, arg] = Object.entries(rule)[0];
  switch (op) {
    case 'prefix': return typeof v === 'string' && v.startsWith(arg as string);
    case 'suffix': return typeof v === 'string' && v.endsWith(arg as string);
    case 'equals-ignore-case': return typeof v === 'string' && v.toLowerCase() === (arg as string).toLowerCase();
    case 'anything-but': {
      if (isObject(v) || Array.isArray(v)) return false;
      if (isObject(arg)) {
        const [k, s] = Object.entries(arg)[0] as [string, string];
        return typeof v === 'string' && !(k === 'prefix' ? v.startsWith(s) : v.endsWith(s));
      }
      return !(Array.isArray(arg) ? arg : [arg]).some((x) => x === v);
    }
    case 'numeric': {
      if (typeof v !== 'number') return false;
      const ops = arg as Json[];
      for (let i = 0; i < ops.length; i += 2) {
        const n = ops[i + 1] as number;
        const ok = ops[i] === '=' ? v === n : ops[i] === '<' ? v < n : ops[i] === '<=' ? v <= n : ops[i] === '>' ? v > n : v >= n;
        if (!ok) return false;
      }
      return true;
    }
    default: return false;
  }
}

/** A JSON text parsed, or the text itself when it is not JSON (a pattern for JSON then does not match it). */
export function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
