/**
 * Evaluates parsed expressions over items: conditions and filters, projections, and update plans (SET with `+`/`-`,
 * if_not_exists, list_append; REMOVE including list elements; ADD for numbers and sets; DELETE for sets), with
 * AWS's messages for type errors found before or while applying.
 */
import {
  attributeTypes, compareScalars, payloadOf, typeOf, valuesEqual, valueSize,
  type AttributeType, type AttributeValue, type Item,
} from './attribute-value.js';
import { addNumbers, formatNumber, parseNumber, subtractNumbers } from './ddb-number.js';
import { ddbValidation } from './ddb-errors.js';
import { formatPath, type Condition, type Operand, type PathElem, type UpdatePlan } from './expression-parser.js';

type Kind = 'ConditionExpression' | 'FilterExpression' | 'KeyConditionExpression';

export function resolvePath(item: Item, path: PathElem[]): AttributeValue | undefined {
  let cur: AttributeValue | undefined = item[path[0] as string];
  for (const e of path.slice(1)) {
    if (cur === undefined) return undefined;
    if (typeof e === 'number') cur = 'L' in cur ? cur.L[e] : undefined;
    else cur = 'M' in cur ? cur.M[e] : undefined;
  }
  return cur;
}

const AWS_TYPE_NAMES: Record<AttributeType, string> = { S: 'STRING', N: 'NUMBER', B: 'BINARY', BOOL: 'BOOLEAN', NULL: 'NULL', M: 'MAP', L: 'LIST', SS: 'STRING_SET', NS: 'NUMBER_SET', BS: 'BINARY_SET' };

// ---- static checks (before any item is read), AWS's messages ----

export function checkCondition(kind: Kind, c: Condition): void {
  const invalid = (m: string): never => { throw ddbValidation(`Invalid ${kind}: ${m}`); };
  switch (c.kind) {
    case 'and': case 'or': checkCondition(kind, c.left); checkCondition(kind, c.right); return;
    case 'not': checkCondition(kind, c.cond); return;
    case 'between':
      if (c.low.kind === 'value' && c.high.kind === 'value' && typeOf(c.low.value) === typeOf(c.high.value) && isScalar(c.low.value) && compareScalars(c.low.value, c.high.value) > 0) {
        invalid(`The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {${typeOf(c.low.value)}:${String(payloadOf(c.low.value))}}, upper bound operand: AttributeValue: {${typeOf(c.high.value)}:${String(payloadOf(c.high.value))}}`);
      }
      return;
    case 'fn': {
      const [a, b] = c.args;
      if (a.kind !== 'path') invalid(`Operator or function requires a document path; operator or function: ${c.fn}`);
      if (c.fn === 'attribute_type') {
        if (b.kind === 'value') {
          if (!('S' in b.value)) invalid(`Incorrect operand type for operator or function; operator or function: attribute_type, operand type: ${typeOf(b.value)}`);
          const t = (b.value as { S: string }).S;
          if (!attributeTypes.includes(t as AttributeType)) invalid(`Invalid attribute type name found; type: ${t}, valid types: { B,NULL,SS,BOOL,L,BS,N,NS,S,M }`);
        }
      }
      if (c.fn === 'begins_with' && b.kind === 'value' && !('S' in b.value) && !('B' in b.value)) {
        invalid(`Incorrect operand type for operator or function; operator or function: begins_with, operand type: ${typeOf(b.value)}`);
      }
      return;
    }
    default: return;
  }
}

const isScalar = (v: AttributeValue): boolean => 'S' in v || 'N' in v || 'B' in v;

// ---- conditions ----

function operandValue(item: Item, o: Operand): AttributeValue | undefined {
  switch (o.kind) {
    case 'path': return resolvePath(item, o.path);
    case 'value': return o.value;
    case 'call': {
      // size(path): the only operand function in conditions
      const v = operandValue(item, o.args[0]);
      if (v === undefined) return undefined;
      const n = sizeOf(v);
      return n === undefined ? undefined : { N: String(n) };
    }
    default: return undefined;
  }
}

/** size(): characters' UTF-8 bytes of S, bytes of B, elements of sets, lists and maps; other types have none. */
function sizeOf(v: AttributeValue): number | undefined {
  const p = payloadOf(v);
  switch (typeOf(v)) {
    case 'S': case 'B': return valueSize(v);
    case 'SS': case 'NS': case 'BS': case 'L': return (p as unknown[]).length;
    case 'M': return Object.keys(p as Item).length;
    default: return undefined;
  }
}

function ordered(a: AttributeValue | undefined, b: AttributeValue | undefined): number | undefined {
  if (a === undefined || b === undefined || typeOf(a) !== typeOf(b) || !isScalar(a)) return undefined;
  return compareScalars(a, b);
}

export function evaluateCondition(item: Item, c: Condition): boolean {
  switch (c.kind) {
    case 'and': return evaluateCondition(item, c.left) && evaluateCondition(item, c.right);
    case 'or': return evaluateCondition(item, c.left) || evaluateCondition(item, c.right);
    case 'not': return !evaluateCondition(item, c.cond);
    case 'compare': {
      const a = operandValue(item, c.left), b = operandValue(item, c.right);
      if (c.op === '=') return a !== undefined && b !== undefined && valuesEqual(a, b);
      if (c.op === '<>') return !(a !== undefined && b !== undefined && valuesEqual(a, b));
      const o = ordered(a, b);
      if (o === undefined) return false;
      return c.op === '<' ? o < 0 : c.op === '<=' ? o <= 0 : c.op === '>' ? o > 0 : o >= 0;
    }
    case 'between': {
      const v = operandValue(item, c.operand);
      const lo = ordered(v, operandValue(item, c.low)), hi = ordered(v, operandValue(item, c.high));
      return lo !== undefined && hi !== undefined && lo >= 0 && hi <= 0;
    }
    case 'in': {
      const v = operandValue(item, c.operand);
      return v !== undefined && c.list.some((o) => { const w = operandValue(item, o); return w !== undefined && valuesEqual(v, w); });
    }
    case 'fn': return evaluateFunction(item, c.fn, c.args);
  }
}

function evaluateFunction(item: Item, fn: string, args: Operand[]): boolean {
  const a = operandValue(item, args[0]);
  const b = args[1] ? operandValue(item, args[1]) : undefined;
  switch (fn) {
    case 'attribute_exists': return a !== undefined;
    case 'attribute_not_exists': return a === undefined;
    case 'attribute_type': return a !== undefined && b !== undefined && 'S' in b && typeOf(a) === b.S;
    case 'begins_with':
      if (a === undefined || b === undefined) return false;
      if ('S' in a && 'S' in b) return a.S.startsWith(b.S);
      if ('B' in a && 'B' in b) { const x = Buffer.from(a.B, 'base64'), y = Buffer.from(b.B, 'base64'); return x.subarray(0, y.length).equals(y); }
      return false;
    case 'contains':
      if (a === undefined || b === undefined) return false;
      if ('S' in a) return 'S' in b && a.S.includes(b.S);
      if ('B' in a) return 'B' in b && Buffer.from(a.B, 'base64').includes(Buffer.from(b.B, 'base64'));
      if ('SS' in a) return 'S' in b && a.SS.includes(b.S);
      if ('NS' in a) return 'N' in b && a.NS.some((n) => valuesEqual({ N: n }, b));
      if ('BS' in a) return 'B' in b && a.BS.includes(b.B);
      if ('L' in a) return a.L.some((e) => valuesEqual(e, b));
      return false;
    default: return false;
  }
}

// ---- projections ----

/** The item reduced to the paths (list elements kept in order, compacted, as AWS returns them). */
export function project(item: Item, paths: PathElem[][]): Item {
  const out: { M: Item } = { M: {} };
  for (const p of paths) {
    const v = resolvePath(item, p);
    if (v === undefined) continue;
    let dst: AttributeValue = out;
    let src: AttributeValue = { M: item };
    for (let i = 0; i < p.length; i++) {
      const e = p[i];
      const last = i === p.length - 1;
      src = typeof e === 'number' ? (src as { L: AttributeValue[] }).L[e] : (src as { M: Item }).M[e];
      const key = typeof e === 'number' ? `#${e}` : e;
      const box = dst as unknown as { M: Record<string, AttributeValue> };
      if (last) { box.M[key] = structuredClone(src); break; }
      const nextIsIndex = typeof p[i + 1] === 'number';
      box.M[key] ??= { M: {} };
      dst = box.M[key];
      if (nextIsIndex) (dst as unknown as { list?: true }).list = true;
    }
  }
  return unbox(out.M);
}

/** Projection boxes keep list positions as `#i` keys in maps; turns them back into compacted lists. */
function unbox(m: Item): Item {
  const res: Item = {};
  for (const [k, v] of Object.entries(m)) res[k] = unboxValue(v);
  return res;
}

function unboxValue(v: AttributeValue): AttributeValue {
  if ((v as unknown as { list?: true }).list) {
    const entries = Object.entries((v as { M: Item }).M).map(([k, e]) => [Number(k.slice(1)), unboxValue(e)] as const).sort((x, y) => x[0] - y[0]);
    return { L: entries.map(([, e]) => e) };
  }
  if ('M' in v && Object.getPrototypeOf(v) === Object.prototype && Object.keys(v).length === 1) {
    return { M: Object.fromEntries(Object.entries(v.M).map(([k, e]) => [k, unboxValue(e)])) };
  }
  return v;
}

// ---- updates ----

const incorrectType = () => ddbValidation('An operand in the update expression has an incorrect data type');

/** Static checks of an update: overlapping paths, ADD/DELETE operand types, key attributes untouched. */
export function checkUpdate(plan: UpdatePlan, keyNames: string[]): void {
  const all = [...plan.set.map((s) => s.path), ...plan.remove, ...plan.add.map((a) => a.path), ...plan.delete.map((d) => d.path)];
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const [a, b] = [all[i], all[j]];
      const n = Math.min(a.length, b.length);
      if (a.slice(0, n).every((e, k) => e === b[k])) {
        throw ddbValidation(`Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: ${formatPath(a)}, path two: ${formatPath(b)}`);
      }
    }
  }
  for (const a of plan.add) {
    const t = typeOf(a.value.value);
    if (!['N', 'SS', 'NS', 'BS'].includes(t)) throw ddbValidation(`Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: ${AWS_TYPE_NAMES[t]}, typeSet: ALLOWED_FOR_ADD_OPERAND`);
  }
  for (const d of plan.delete) {
    const t = typeOf(d.value.value);
    if (!['SS', 'NS', 'BS'].includes(t)) throw ddbValidation(`Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: ${AWS_TYPE_NAMES[t]}, typeSet: ALLOWED_FOR_DELETE_OPERAND`);
  }
  for (const p of all) {
    if (p.length === 1 && keyNames.includes(p[0] as string)) {
      throw ddbValidation(`One or more parameter values were invalid: Cannot update attribute ${String(p[0])}. This attribute is part of the key`);
    }
  }
}

function updateOperand(item: Item, o: Operand): AttributeValue {
  switch (o.kind) {
    case 'value': return o.value;
    case 'path': {
      const v = resolvePath(item, o.path);
      if (v === undefined) throw ddbValidation('The provided expression refers to an attribute that does not exist in the item');
      return v;
    }
    case 'arith': {
      const a = updateOperand(item, o.left), b = updateOperand(item, o.right);
      if (!('N' in a) || !('N' in b)) throw incorrectType();
      const x = parseNumber(a.N), y = parseNumber(b.N);
      return { N: formatNumber(o.op === '+' ? addNumbers(x, y) : subtractNumbers(x, y)) };
    }
    case 'call': {
      if (o.fn === 'if_not_exists') {
        const v = resolvePath(item, (o.args[0] as { path: PathElem[] }).path);
        return v ?? updateOperand(item, o.args[1]);
      }
      const a = updateOperand(item, o.args[0]), b = updateOperand(item, o.args[1]);
      if (!('L' in a) || !('L' in b)) throw incorrectType();
      return { L: [...a.L, ...b.L] };
    }
  }
}

const clone = (item: Item): Item => structuredClone(item);

/** Where a path's last element lives: its parent container (map or list) in `item`, or undefined when missing. */
function parentOf(item: Item, path: PathElem[]): AttributeValue | { M: Item } | undefined {
  return path.length === 1 ? { M: item } : resolvePath(item, path.slice(0, -1));
}

const invalidPath = () => ddbValidation('The document path provided in the update expression is invalid for update');

function setAt(item: Item, path: PathElem[], value: AttributeValue): void {
  const parent = parentOf(item, path);
  const last = path[path.length - 1];
  if (parent === undefined) throw invalidPath();
  if (typeof last === 'number') {
    if (!('L' in parent)) throw invalidPath();
    if (last >= parent.L.length) parent.L.push(value); else parent.L[last] = value;
  } else {
    if (!('M' in parent)) throw invalidPath();
    parent.M[last] = value;
  }
}

/**
 * Applies an update to (a copy of) the item, all values read from the item as it was: SET, then REMOVE (list
 * elements by their original positions), ADD, DELETE. Returns the new item.
 */
export function applyUpdate(old: Item, plan: UpdatePlan): Item {
  const values = plan.set.map((s) => updateOperand(old, s.value));
  const item = clone(old);
  plan.set.forEach((s, i) => setAt(item, s.path, values[i]));
  // REMOVE: list elements highest index first, so positions stay those of the original list
  const removes = [...plan.remove].sort((a, b) => {
    const x = a[a.length - 1], y = b[b.length - 1];
    return typeof x === 'number' && typeof y === 'number' ? y - x : 0;
  });
  for (const p of removes) {
    const parent = parentOf(item, p);
    const last = p[p.length - 1];
    if (parent === undefined) continue;
    if (typeof last === 'number') { if ('L' in parent && last < parent.L.length) parent.L.splice(last, 1); } else if ('M' in parent) delete parent.M[last];
  }
  for (const a of plan.add) {
    const cur = resolvePath(item, a.path);
    const v = a.value.value;
    if (cur === undefined) { setAt(item, a.path, structuredClone(v)); continue; }
    if (typeOf(cur) !== typeOf(v)) throw incorrectType();
    if ('N' in cur) setAt(item, a.path, { N: formatNumber(addNumbers(parseNumber(cur.N), parseNumber((v as { N: string }).N))) });
    else setAt(item, a.path, setUnion(cur, v));
  }
  for (const d of plan.delete) {
    const cur = resolvePath(item, d.path);
    if (cur === undefined) continue;
    if (typeOf(cur) !== typeOf(d.value.value)) throw incorrectType();
    const left = setMinus(cur, d.value.value);
    if (left) setAt(item, d.path, left);
    else {
      const parent = parentOf(item, d.path)!;
      const last = d.path[d.path.length - 1];
      if (typeof last === 'number') (parent as { L: AttributeValue[] }).L.splice(last, 1); else delete (parent as { M: Item }).M[last];
    }
  }
  return item;
}

function setUnion(a: AttributeValue, b: AttributeValue): AttributeValue {
  const t = typeOf(a);
  const out = [...(payloadOf(a) as string[])];
  for (const e of payloadOf(b) as string[]) if (!out.some((x) => valuesEqual({ [t[0]]: x } as AttributeValue, { [t[0]]: e } as AttributeValue))) out.push(e);
  return { [t]: out } as AttributeValue;
}

function setMinus(a: AttributeValue, b: AttributeValue): AttributeValue | undefined {
  const t = typeOf(a);
  const drop = payloadOf(b) as string[];
  const out = (payloadOf(a) as string[]).filter((x) => !drop.some((e) => valuesEqual({ [t[0]]: x } as AttributeValue, { [t[0]]: e } as AttributeValue)));
  return out.length ? ({ [t]: out } as AttributeValue) : undefined;
}

/** The top-level-or-nested paths an update touched (for UPDATED_OLD / UPDATED_NEW). */
export function updatedPaths(plan: UpdatePlan): PathElem[][] {
  return [...plan.set.map((s) => s.path), ...plan.remove, ...plan.add.map((a) => a.path), ...plan.delete.map((d) => d.path)];
}
