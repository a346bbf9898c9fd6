/**
 * Evaluates a parsed fleet-indexing query against one thing's index document (registry, connectivity, shadows).
 * Search is case-insensitive, field names are case-sensitive; a field holding an array matches when any element
 * does; numbers compare as numbers when both sides are numeric, otherwise as lower-case strings [DG:query-syntax].
 */
import type { JsonValue } from '../contract/index.js';
import type { FleetQuery, QueryValue } from './fleet-query.js';

/** The shadow fields the index sees: AWS indexes `reported`, `desired`, `hasDelta` and `version`. */
export interface IndexedShadow {
  reported?: Record<string, JsonValue>;
  desired?: Record<string, JsonValue>;
  hasDelta: boolean;
  version: number;
}

export interface IndexedThing {
  thingName: string;
  thingId: string;
  thingTypeName?: string;
  thingGroupNames: string[];
  attributes: Record<string, string>;
  connectivity: { connected: boolean; timestamp?: number; disconnectReason?: string };
  /** The classic shadow (null) or a named one; read lazily, only when a query names shadow fields. */
  shadow(name: string | null): IndexedShadow | undefined;
}

type Scalar = string | number | boolean;

/** Every leaf under a JSON value; arrays contribute each element (AWS: an array matches if any element matches). */
function leaves(value: JsonValue | undefined, out: Scalar[] = []): Scalar[] {
  if (value === undefined || value === null) return out;
  if (Array.isArray(value)) for (const v of value) leaves(v, out);
  else if (typeof value === 'object') out.push(''); // an object is present, but equals nothing but `*`
  else out.push(value);
  return out;
}

function walk(root: Record<string, JsonValue> | undefined, path: string[]): JsonValue | undefined {
  let node: JsonValue | undefined = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

function shadowValues(shadow: IndexedShadow | undefined, path: string[]): Scalar[] {
  if (!shadow || path.length === 0) return [];
  const [section, ...rest] = path;
  if (section === 'hasDelta' && rest.length === 0) return [shadow.hasDelta];
  if (section === 'version' && rest.length === 0) return [shadow.version];
  if ((section === 'reported' || section === 'desired') && rest.length) return leaves(walk(shadow[section], rest));
  return [];
}

/** The values a field holds for a thing; empty when the field is absent (or unknown). */
export function fieldValues(thing: IndexedThing, field: string): Scalar[] {
  switch (field) {
    case 'thingName': return [thing.thingName];
    case 'thingId': return [thing.thingId];
    case 'thingTypeName': return thing.thingTypeName === undefined ? [] : [thing.thingTypeName];
    case 'thingGroupNames': return thing.thingGroupNames;
    case 'connectivity.connected': return [thing.connectivity.connected];
    case 'connectivity.timestamp': return thing.connectivity.timestamp === undefined ? [] : [thing.connectivity.timestamp];
    case 'connectivity.disconnectReason': return thing.connectivity.disconnectReason === undefined ? [] : [thing.connectivity.disconnectReason];
  }
  if (field.startsWith('attributes.')) {
    const key = field.slice('attributes.'.length);
    return Object.hasOwn(thing.attributes, key) ? [thing.attributes[key]] : [];
  }
  if (field.startsWith('shadow.name.')) {
    const [name, ...path] = field.slice('shadow.name.'.length).split('.');
    return name ? shadowValues(thing.shadow(name), path) : [];
  }
  if (field.startsWith('shadow.')) return shadowValues(thing.shadow(null), field.slice('shadow.'.length).split('.'));
  return [];
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const asNumber = (v: Scalar): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'string' && NUMBER.test(v.trim()) ? Number(v) : undefined;

function equals(actual: Scalar, expected: QueryValue): boolean {
  if (expected.pattern) return expected.pattern.test(String(actual));
  if (typeof actual === 'boolean') return expected.text.toLowerCase() === String(actual);
  const e = asNumber(expected.text);
  if (typeof actual === 'number') return e === actual;
  if (actual.toLowerCase() === expected.text.toLowerCase()) return true;
  const a = asNumber(actual);
  return a !== undefined && e !== undefined && a === e;
}

/** -1, 0, 1, or undefined when the two cannot be ordered (a boolean). */
function compare(actual: Scalar, bound: QueryValue): number | undefined {
  if (typeof actual === 'boolean') return undefined;
  const a = asNumber(actual);
  const b = asNumber(bound.text);
  if (a !== undefined && b !== undefined) return a < b ? -1 : a > b ? 1 : 0;
  if (typeof actual === 'number') return undefined;
  const x = actual.toLowerCase();
  const y = bound.text.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function inRange(actual: Scalar, q: Extract<FleetQuery, { kind: 'range' }>): boolean {
  if (q.lower) {
    const c = compare(actual, q.lower);
    if (c === undefined || c < 0 || (c === 0 && !q.lowerInclusive)) return false;
  }
  if (q.upper) {
    const c = compare(actual, q.upper);
    if (c === undefined || c > 0 || (c === 0 && !q.upperInclusive)) return false;
  }
  return true;
}

export function matches(query: FleetQuery, thing: IndexedThing): boolean {
  switch (query.kind) {
    case 'all': return true;
    case 'and': return query.items.every((q) => matches(q, thing));
    case 'or': return query.items.some((q) => matches(q, thing));
    case 'not': return !matches(query.item, thing);
    case 'match': return fieldValues(thing, query.field).some((v) => equals(v, query.value));
    case 'range': return fieldValues(thing, query.field).some((v) => inRange(v, query));
  }
}

/** True when evaluating the query may read shadows (so callers can skip loading them). */
export function usesShadow(query: FleetQuery): boolean {
  switch (query.kind) {
    case 'all': return false;
    case 'and': case 'or': return query.items.some(usesShadow);
    case 'not': return usesShadow(query.item);
    default: return query.field.startsWith('shadow.');
  }
}
