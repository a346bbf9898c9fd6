/**
 * SNS subscription filter policies [SNS DG: sns-subscription-filter-policies]: checked once when set (AWS's
 * `Invalid parameter: FilterPolicy: …` messages), then matched against a message's attributes (`MessageAttributes`
 * scope, the default) or its JSON body (`MessageBody` scope, nested keys allowed).
 *
 * Operators: exact strings, numbers, booleans and null; `prefix`, `suffix`, `equals-ignore-case`, `anything-but`
 * (a value, a list, or `{ prefix | suffix }`), `numeric` (`=`, `<`, `<=`, `>`, `>=`, ranges), `exists`, and `$or`.
 * Every key of a policy must match (AND); any value in a key's list may match (OR).
 *
 * LIMITATIONS: no `cidr` operator; AWS's complexity limit (150 combinations) is not counted, only its 5-key limit on
 * attribute policies; numbers compare as doubles, not with AWS's 5-decimal precision.
 */
import { EngineError } from '../core/index.js';

export type FilterScope = 'MessageAttributes' | 'MessageBody';

/** A message attribute as SNS Publish takes it. */
export interface NotifyAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Condition = Json;
/** A value a condition is matched against: absent, or a scalar (an array matches when any element does). */
type Value = { present: false } | { present: true; values: Json[] };

const MAX_ATTRIBUTE_KEYS = 5;
const bad = (why: string) => new EngineError('InvalidInput', `Invalid parameter: FilterPolicy: ${why}`, { reason: 'InvalidParameter' });
const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and checks a policy; throws InvalidInput with AWS's wording. An empty string or `{}` clears the policy (null). */
export function parseFilterPolicy(text: string, scope: FilterScope): Record<string, Json> | null {
  if (text.trim() === '') return null;
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch {
    throw bad('failed to parse JSON');
  }
  if (!isObject(policy)) throw bad('Filter policy must be a JSON object');
  if (Object.keys(policy).length === 0) return null;
  checkPolicy(policy, scope);
  if (scope === 'MessageAttributes' && leafKeys(policy) > MAX_ATTRIBUTE_KEYS) throw bad(`Filter policy can not have more than ${MAX_ATTRIBUTE_KEYS} keys`);
  return policy;
}

function leafKeys(policy: Record<string, Json>): number {
  let n = 0;
  for (const [k, v] of Object.entries(policy)) {
    if (k === '$or' && Array.isArray(v)) n += Math.max(0, ...v.map((p) => (isObject(p) ? leafKeys(p) : 0)));
    else n += isObject(v) ? leafKeys(v) : 1;
  }
  return n;
}

function checkPolicy(policy: Record<string, Json>, scope: FilterScope): void {
  for (const [key, value] of Object.entries(policy)) {
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) throw bad('"$or" must be an array of at least two policy objects');
      for (const p of value) checkPolicy(p as Record<string, Json>, scope);
    } else if (Array.isArray(value)) {
      if (value.length === 0) throw bad(`Empty arrays are not allowed (key "${key}")`);
      for (const c of value) checkCondition(c, key);
    } else if (isObject(value)) {
      if (scope === 'MessageAttributes') throw bad(`"${key}" must be an array (nested keys need the MessageBody scope)`);
      checkPolicy(value, scope);
    } else {
      throw bad(`"${key}" must be an object or an array`);
    }
  }
}

function checkCondition(c: Condition, key: string): void {
  if (!isObject(c)) {
    if (Array.isArray(c)) throw bad(`Match value must be String, number, true, false, or null (key "${key}")`);
    return;
  }
  const ops = Object.keys(c);
  if (ops.length !== 1) throw bad(`Only one key allowed in match expression (key "${key}")`);
  const [op] = ops;
  const arg = c[op];
  switch (op) {
    case 'prefix': case 'suffix': case 'equals-ignore-case':
      if (typeof arg !== 'string') throw bad(`${op} match pattern must be a string`);
      return;
    case 'exists':
      if (typeof arg !== 'boolean') throw bad('exists match pattern must be either true or false.');
      return;
    case 'anything-but':
      if (isObject(arg)) {
        const [inner, ...rest] = Object.keys(arg);
        if (rest.length || (inner !== 'prefix' && inner !== 'suffix') || typeof arg[inner] !== 'string') throw bad('Unsupported anything-but pattern');
      } else if (Array.isArray(arg)) {
        if (!arg.length || !arg.every((v) => typeof v === 'string') && !arg.every((v) => typeof v === 'number')) {
          throw bad('Inside anything but list, start|null|boolean is not supported.');
        }
      } else if (typeof arg !== 'string' && typeof arg !== 'number') {
        throw bad('Value of anything-but must be an array or single string/number value.');
      }
      return;
    case 'numeric': checkNumeric(arg); return;
    default: throw bad(`Unrecognized match type ${op}`);
  }
}

const numericOps = new Set(['=', '<', '<=', '>', '>=']);

function checkNumeric(arg: Json): void {
  if (!Array.isArray(arg) || arg.length === 0 || arg.length % 2 !== 0 || arg.length > 4) throw bad('Value of numeric must be an array.');
  for (let i = 0; i < arg.length; i += 2) {
    if (typeof arg[i] !== 'string' || !numericOps.has(arg[i] as string)) throw bad(`Unrecognized numeric range operator: ${String(arg[i])}`);
    if (typeof arg[i + 1] !== 'number') throw bad('Value of < must be numeric');
  }
  if (arg.length === 4) {
    const [lo, , hi] = [arg[0], arg[1], arg[2]];
    if (!(lo === '>' || lo === '>=') || !(hi === '<' || hi === '<=')) throw bad('Bad numeric range operator');
    if ((arg[1] as number) >= (arg[3] as number)) throw bad('Bottom must be less than top');
  } else if (arg[0] === '=' && arg.length !== 2) {
    throw bad('Bad numeric range operator');
  }
}

/** Whether a message passes the policy (null: no policy, everything passes). */
export function matchesFilter(
  policy: Record<string, Json> | null, scope: FilterScope, message: string, attributes: Record<string, NotifyAttribute>,
): boolean {
  if (!policy) return true;
  if (scope === 'MessageBody') {
    let body: unknown;
    try {
      body = JSON.parse(message);
    } catch {
      return false;
    }
    return isObject(body) && matchObject(policy, (key) => bodyValue(body as Record<string, Json>, key), (key) => {
      const sub = (body as Record<string, Json>)[key];
      return isObject(sub) ? sub : undefined;
    });
  }
  return matchObject(policy, (key) => attributeValue(attributes[key]), () => undefined);
}

function matchObject(policy: Record<string, Json>, valueOf: (key: string) => Value, nested: (key: string) => Record<string, Json> | undefined): boolean {
  return Object.entries(policy).every(([key, cond]) => {
    if (key === '$or') return (cond as Json[]).some((p) => matchObject(p as Record<string, Json>, valueOf, nested));
    if (isObject(cond)) {
      const sub = nested(key);
      return sub !== undefined && matchObject(cond, (k) => bodyValue(sub, k), (k) => (isObject(sub[k]) ? sub[k] as Record<string, Json> : undefined));
    }
    const value = valueOf(key);
    return (cond as Json[]).some((c) => matchCondition(c, value));
  });
}

function bodyValue(body: Record<string, Json>, key: string): Value {
  if (!(key in body)) return { present: false };
  const v = body[key];
  return { present: true, values: Array.isArray(v) ? v : [v] };
}

function attributeValue(a: NotifyAttribute | undefined): Value {
  if (!a) return { present: false };
  const type = a.DataType.split('.')[0];
  if (a.DataType === 'String.Array') {
    try {
      const arr = JSON.parse(a.StringValue ?? '') as Json;
      return { present: true, values: Array.isArray(arr) ? arr : [arr] };
    } catch {
      return { present: true, values: [] };
    }
  }
  if (type === 'Number') return { present: true, values: [Number(a.StringValue)] };
  if (type === 'Binary') return { present: true, values: [] }; // AWS does not match binary attributes' values
  return { present: true, values: [a.StringValue ?? ''] };
}

function matchCondition(c: Condition, v: Value): boolean {
  if (!isObject(c)) return v.present && v.values.some((x) => x === c);
  const [op] = Object.keys(c);
  const arg = c[op];
  if (op === 'exists') return arg === v.present;
  if (!v.present) return false;
  return v.values.some((x) => matchOperator(op, arg, x));
}

function matchOperator(op: string, arg: Json, x: Json): boolean {
  switch (op) {
    case 'prefix': return typeof x === 'string' && x.startsWith(arg as string);
    case 'suffix': return typeof x === 'string' && x.endsWith(arg as string);
    case 'equals-ignore-case': return typeof x === 'string' && x.toLowerCase() === (arg as string).toLowerCase();
    case 'anything-but': {
      if (isObject(arg)) {
        if (typeof x !== 'string') return true;
        return 'prefix' in arg ? !x.startsWith(arg.prefix as string) : !x.endsWith(arg.suffix as string);
      }
      const excluded = Array.isArray(arg) ? arg : [arg];
      return !excluded.some((e) => e === x);
    }
    case 'numeric': {
      if (typeof x !== 'number' || Number.isNaN(x)) return false;
      const a = arg as Json[];
      for (let i = 0; i < a.length; i += 2) {
        const n = a[i + 1] as number;
        const ok = a[i] === '=' ? x === n : a[i] === '<' ? x < n : a[i] === '<=' ? x <= n : a[i] === '>' ? x > n : x >= n;
        if (!ok) return false;
      }
      return true;
    }
    default: return false;
  }
}
