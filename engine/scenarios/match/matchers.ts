/**
 * What an `expect`, `absent` or `capture` asks of a message: a JSON subset (`json`), an exact payload (`payload`),
 * JSONPath conditions (`where`), a regular expression on the payload text (`regex`, RE2: linear time), a JSON Schema
 * (`schema`, ajv). Every given test must hold; none given: any message on the filter matches.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { RE2JS } from 're2js';
import { parseJsonPath, queryJsonPath, type Segment } from './jsonpath.js';

export const OPERATORS = ['==', '!=', '<', '<=', '>', '>=', 'exists', 'absent', 'matches', 'in', 'contains'] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Condition {
  path: string;
  op?: Operator;
  value?: unknown;
}

export interface MatchSpec {
  json?: unknown;
  payload?: unknown;
  where?: Condition[];
  regex?: string;
  schema?: Record<string, unknown>;
}

/** The schema properties a step that matches messages accepts (merged into its own schema). */
export const matchSchemaProperties: Record<string, Record<string, unknown>> = {
  json: { description: 'A JSON subset the payload must contain: every member given must be present with this value (arrays element by element).' },
  payload: { description: 'The exact payload: text, or a JSON value the payload must equal.' },
  where: {
    type: 'array',
    minItems: 1,
    description: 'JSONPath conditions ($.a.b, [n], [*], ..name); each holds when one selected value satisfies it.',
    items: {
      type: 'object',
      required: ['path'],
      additionalProperties: false,
      properties: {
        path: { type: 'string', pattern: '^\\$' },
        op: { enum: [...OPERATORS] },
        value: {},
      },
    },
  },
  regex: { type: 'string', minLength: 1, description: 'An RE2 regular expression the payload text must contain a match for.' },
  schema: { type: 'object', description: 'A JSON Schema (draft-07) the payload must be valid against.' },
};

export interface Matcher {
  test(payload: Buffer | string): boolean;
  /** The match as written, for "expected … but saw …" reports. */
  readonly expected: MatchSpec;
}

const ajv = new Ajv({ allErrors: false, strict: false });

interface CompiledCondition { path: Segment[]; op: Operator; value: unknown; re?: RE2JS }

/** Problems with a match that its schema cannot see (bad JSONPath, regex or JSON Schema), each one sentence. */
export function matchProblems(spec: MatchSpec): string[] {
  try {
    compileMatcher(spec);
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}

/** Compiles a match; throws an Error naming the bad part. */
export function compileMatcher(spec: MatchSpec): Matcher {
  const conditions: CompiledCondition[] = (spec.where ?? []).map((c) => {
    const op = c.op ?? (c.value === undefined ? 'exists' : '==');
    let re: RE2JS | undefined;
    if (op === 'matches') re = regex(String(c.value), `where ${c.path} matches`);
    if (op === 'in' && !Array.isArray(c.value)) throw new Error(`where ${c.path}: the 'in' operator needs a list of values`);
    return { path: parseJsonPath(c.path), op, value: c.value, re };
  });
  const re = spec.regex === undefined ? undefined : regex(spec.regex, 'regex');
  let validate: ValidateFunction | undefined;
  if (spec.schema !== undefined) {
    try {
      validate = ajv.compile(spec.schema);
    } catch (e) {
      throw new Error(`schema: not a valid JSON Schema: ${(e as Error).message}`);
    }
  }
  const needsJson = spec.json !== undefined || conditions.length > 0 || validate !== undefined || (spec.payload !== undefined && typeof spec.payload !== 'string');
  return {
    expected: spec,
    test(payload) {
      const text = typeof payload === 'string' ? payload : payload.toString('utf8');
      if (typeof spec.payload === 'string' && text !== spec.payload) return false;
      if (re && !re.matcher(text).find()) return false;
      if (!needsJson) return true;
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        return false;
      }
      if (spec.payload !== undefined && typeof spec.payload !== 'string' && !deepEqual(doc, spec.payload)) return false;
      if (spec.json !== undefined && !isSubset(spec.json, doc)) return false;
      if (validate && !validate(doc)) return false;
      return conditions.every((c) => holds(c, queryJsonPath(doc, c.path)));
    },
  };
}

function regex(source: string, what: string): RE2JS {
  try {
    return RE2JS.compile(source);
  } catch (e) {
    throw new Error(`${what}: not a valid RE2 regular expression: ${(e as Error).message}`);
  }
}

function holds(c: CompiledCondition, values: unknown[]): boolean {
  switch (c.op) {
    case 'exists': return values.length > 0;
    case 'absent': return values.length === 0;
    case '!=': return values.length > 0 && values.every((v) => !deepEqual(v, c.value));
    default: return values.some((v) => test1(c, v));
  }
}

function test1(c: CompiledCondition, v: unknown): boolean {
  switch (c.op) {
    case '==': return deepEqual(v, c.value);
    case '<': case '<=': case '>': case '>=': {
      const comparable = (typeof v === 'number' && typeof c.value === 'number') || (typeof v === 'string' && typeof c.value === 'string');
      if (!comparable) return false;
      const a = v as number | string, b = c.value as number | string;
      return c.op === '<' ? a < b : c.op === '<=' ? a <= b : c.op === '>' ? a > b : a >= b;
    }
    case 'matches': return typeof v === 'string' && c.re!.matcher(v).find();
    case 'in': return (c.value as unknown[]).some((x) => deepEqual(x, v));
    case 'contains':
      if (typeof v === 'string') return typeof c.value === 'string' && v.includes(c.value);
      return Array.isArray(v) && v.some((x) => deepEqual(x, c.value) || isSubset(c.value, x));
    default: return false;
  }
}

/** JSON equality (member order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => deepEqual(x, (b as unknown[])[i]));
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** `want` is contained in `got`: objects by the members `want` names (recursively), arrays element by element, scalars equal. */
export function isSubset(want: unknown, got: unknown): boolean {
  if (want === null || typeof want !== 'object') return deepEqual(want, got);
  if (Array.isArray(want)) return Array.isArray(got) && want.length === got.length && want.every((w, i) => isSubset(w, got[i]));
  if (got === null || typeof got !== 'object' || Array.isArray(got)) return false;
  return Object.entries(want).every(([k, w]) => Object.prototype.hasOwnProperty.call(got, k) && isSubset(w, (got as Record<string, unknown>)[k]));
}
