/**
 * Command parameters [DG:iot-remote-command-create-manage]: the typed values StartCommandExecution passes, checked
 * against the command's `mandatoryParameters` (type, default, value conditions), and the payload template they fill
 * (`${aws:iot:commandexecution::parameter:NAME}`, `${aws:iot:commandexecution::executionTimeoutSec}`).
 */
import { EngineError } from '../core/index.js';
import {
  COMPARISON_OPERATORS, PARAMETER_TYPES, type CommandParameter, type ParameterType, type ParameterValue, type ValueCondition,
} from './command-types.js';

const invalid = (message: string) => new EngineError('InvalidInput', message);
const MEMBER_OF: Record<ParameterType, keyof ParameterValue> = {
  STRING: 'S', BOOLEAN: 'B', INTEGER: 'I', LONG: 'L', DOUBLE: 'D', BINARY: 'BIN', UNSIGNEDLONG: 'UL',
};
const NAME = /^[.$a-zA-Z0-9_-]{1,192}$/;

/** A typed value from JSON: exactly one of S, B, I, L, D, BIN, UL, of its type. */
export function parseParameterValue(raw: unknown, where: string): ParameterValue {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(`${where} must be an object with one of S, B, I, L, D, BIN, UL`);
  const entries = Object.entries(raw as Record<string, unknown>).filter(([, v]) => v !== undefined && v !== null);
  if (entries.length !== 1) throw invalid(`${where} must set exactly one of S, B, I, L, D, BIN, UL`);
  const [key, v] = entries[0];
  switch (key) {
    case 'S': if (typeof v === 'string') return { S: v }; break;
    case 'B': if (typeof v === 'boolean') return { B: v }; break;
    case 'I': if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) return { I: v }; break;
    case 'L': if (typeof v === 'number' && Number.isSafeInteger(v)) return { L: v }; break;
    case 'D': if (typeof v === 'number' && Number.isFinite(v)) return { D: v }; break;
    case 'BIN': if (typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v)) return { BIN: v }; break;
    case 'UL': if (typeof v === 'string' && /^\d{1,20}$/.test(v) && BigInt(v) < 2n ** 64n) return { UL: v }; break;
    default: throw invalid(`${where} has an unknown member ${key}: use one of S, B, I, L, D, BIN, UL`);
  }
  throw invalid(`${where}.${key} is not a valid ${key} value`);
}

/** CreateCommand's `mandatoryParameters`, checked. */
export function parseCommandParameters(raw: unknown): CommandParameter[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw) || raw.length < 1) throw invalid('mandatoryParameters must be a list of at least one parameter');
  const seen = new Set<string>();
  return raw.map((p: unknown, i) => {
    const where = `mandatoryParameters.${i + 1}`;
    if (!p || typeof p !== 'object') throw invalid(`${where} must be an object`);
    const o = p as Record<string, unknown>;
    if (typeof o.name !== 'string' || !NAME.test(o.name)) throw invalid(`${where}.name must match [.$a-zA-Z0-9_-]{1,192}`);
    if (seen.has(o.name)) throw invalid(`mandatoryParameters names the parameter ${o.name} twice`);
    seen.add(o.name);
    const type = o.type === undefined || o.type === null ? undefined : o.type;
    if (type !== undefined && !(PARAMETER_TYPES as readonly unknown[]).includes(type)) throw invalid(`${where}.type must be one of ${PARAMETER_TYPES.join(', ')}`);
    const param: CommandParameter = { name: o.name, ...(type ? { type: type as ParameterType } : {}) };
    if (typeof o.description === 'string') param.description = o.description;
    if (o.value !== undefined && o.value !== null) param.value = parseParameterValue(o.value, `${where}.value`);
    if (o.defaultValue !== undefined && o.defaultValue !== null) param.defaultValue = parseParameterValue(o.defaultValue, `${where}.defaultValue`);
    for (const v of [param.value, param.defaultValue]) if (v && param.type && memberOf(v) !== MEMBER_OF[param.type]) throw invalid(`${where}: its value must be of type ${param.type}`);
    if (o.valueConditions !== undefined && o.valueConditions !== null) param.valueConditions = parseConditions(o.valueConditions, where);
    return param;
  });
}

function parseConditions(raw: unknown, where: string): ValueCondition[] {
  if (!Array.isArray(raw)) throw invalid(`${where}.valueConditions must be a list`);
  return raw.map((c: unknown, i) => {
    const o = (c ?? {}) as Record<string, unknown>;
    const op = o.comparisonOperator;
    if (!(COMPARISON_OPERATORS as readonly unknown[]).includes(op)) throw invalid(`${where}.valueConditions.${i + 1}.comparisonOperator must be one of ${COMPARISON_OPERATORS.join(', ')}`);
    const operand = o.operand;
    if (!operand || typeof operand !== 'object') throw invalid(`${where}.valueConditions.${i + 1}.operand is required`);
    return { comparisonOperator: op as ValueCondition['comparisonOperator'], operand: operand as ValueCondition['operand'] };
  });
}

const memberOf = (v: ParameterValue): keyof ParameterValue => Object.keys(v)[0] as keyof ParameterValue;

/** The value's number (I, L, D, UL), or undefined for S, B, BIN. */
function numeric(v: ParameterValue): number | undefined {
  if (v.I !== undefined) return v.I;
  if (v.L !== undefined) return v.L;
  if (v.D !== undefined) return v.D;
  if (v.UL !== undefined) return Number(v.UL);
  return undefined;
}

function holds(cond: ValueCondition, v: ParameterValue): boolean {
  const n = numeric(v);
  const s = v.S;
  const { operand } = cond;
  const num = (x: string | undefined) => (x === undefined ? NaN : Number(x));
  switch (cond.comparisonOperator) {
    case 'EQUALS': return n !== undefined ? n === num(operand.number) : s === operand.string;
    case 'NOT_EQUALS': return n !== undefined ? n !== num(operand.number) : s !== operand.string;
    case 'LESS_THAN': return n !== undefined && n < num(operand.number);
    case 'LESS_THAN_EQUALS': return n !== undefined && n <= num(operand.number);
    case 'GREATER_THAN': return n !== undefined && n > num(operand.number);
    case 'GREATER_THAN_EQUALS': return n !== undefined && n >= num(operand.number);
    case 'IN_SET': return n !== undefined ? (operand.numbers ?? []).map(Number).includes(n) : (operand.strings ?? []).includes(s ?? '');
    case 'NOT_IN_SET': return n !== undefined ? !(operand.numbers ?? []).map(Number).includes(n) : !(operand.strings ?? []).includes(s ?? '');
    // IN_RANGE and NOT_IN_RANGE include the boundary values [API:CommandParameterValueCondition].
    case 'IN_RANGE': return n !== undefined && n >= num(operand.numberRange?.min) && n <= num(operand.numberRange?.max);
    case 'NOT_IN_RANGE': return n !== undefined && !(n >= num(operand.numberRange?.min) && n <= num(operand.numberRange?.max));
  }
}

/**
 * The parameters an execution runs with: each mandatory parameter from the request, else its value or default;
 * refused when one is missing, of the wrong type, fails a condition, or the request names one the command lacks.
 */
export function resolveParameters(declared: CommandParameter[] | undefined, given: Record<string, ParameterValue>): Record<string, ParameterValue> {
  const byName = new Map((declared ?? []).map((p) => [p.name, p]));
  for (const name of Object.keys(given)) {
    if (!byName.has(name)) throw invalid(`Parameter ${name} is not a parameter of this command`);
  }
  const out: Record<string, ParameterValue> = {};
  for (const p of declared ?? []) {
    const v = given[p.name] ?? p.value ?? p.defaultValue;
    if (!v) throw invalid(`Missing value for mandatory parameter ${p.name}: the request gives none and the command has no default`);
    if (p.type && memberOf(v) !== MEMBER_OF[p.type]) throw invalid(`Parameter ${p.name} must be of type ${p.type} (${MEMBER_OF[p.type]})`);
    for (const c of p.valueConditions ?? []) {
      if (!holds(c, v)) throw invalid(`Parameter ${p.name} does not satisfy its condition ${c.comparisonOperator} ${JSON.stringify(c.operand)}`);
    }
    out[p.name] = v;
  }
  return out;
}

const PLACEHOLDER = /\$\{aws:iot:commandexecution::(?:parameter:([.$a-zA-Z0-9_-]+)|(executionTimeoutSec))\}/g;
const WHOLE = new RegExp(`^${PLACEHOLDER.source}$`);

function jsonOf(v: ParameterValue): unknown {
  return v.S ?? v.B ?? v.I ?? v.L ?? v.D ?? v.BIN ?? (v.UL !== undefined ? Number(v.UL) : null);
}

/**
 * The awsJsonSubstitution preprocessor: the template is a JSON document; a string that is one placeholder becomes the
 * parameter's typed value, a placeholder inside a longer string is replaced by its text.
 */
export function renderTemplate(template: string, params: Record<string, ParameterValue>, timeoutSeconds: number): unknown {
  let doc: unknown;
  try {
    doc = JSON.parse(template);
  } catch {
    throw invalid('payloadTemplate is not a JSON document');
  }
  const value = (name: string | undefined): unknown => {
    if (name === undefined) return timeoutSeconds;
    const v = params[name];
    if (!v) throw invalid(`payloadTemplate uses the parameter ${name}, which has no value`);
    return jsonOf(v);
  };
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const whole = WHOLE.exec(node);
      if (whole) return value(whole[1]);
      return node.replace(PLACEHOLDER, (_m, name: string | undefined) => String(value(name)));
    }
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    return node;
  };
  return walk(doc);
}

/** The parameter names a template uses (CreateCommand checks each is declared). */
export function templateParameters(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].flatMap((m) => (m[1] ? [m[1]] : []));
}
