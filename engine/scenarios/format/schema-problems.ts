/** Validates a parsed scenario file against its schema, turning ajv's errors into `file:line:col` problems. */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { pathLabel, type Path, type PositionMap, type Problem } from '../../core/index.js';
import { STEP_NAMES } from '../steps/index.js';
import { scenarioSchema } from './schema.js';

const compiled = new WeakMap<object, ValidateFunction>();
function validator(schema: Record<string, unknown>): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true }).compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

/** A step's arguments against its own schema (after interpolation, at run time). */
const stepValidators = new Map<string, ValidateFunction>();
export function stepArgProblems(step: string, args: unknown): string[] {
  let v = stepValidators.get(step);
  if (!v) {
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
    ajv.addSchema(scenarioSchema, 'scenario');
    v = ajv.getSchema(`scenario#/definitions/step/properties/${step.replace(/~/g, '~0').replace(/\//g, '~1')}`)!;
    stepValidators.set(step, v);
  }
  if (v(args)) return [];
  return collapse(v.errors ?? []).map((e) => describe(e, [step, ...parsePointer(e.instancePath)]).message);
}

function parsePointer(p: string): (string | number)[] {
  if (!p) return [];
  return p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** A value still holding a `${…}` is checked after interpolation, when the step runs. */
const deferred = (e: ErrorObject): boolean => typeof e.data === 'string' && e.data.includes('${');

/**
 * One error per failing `oneOf`/`anyOf` (the branch errors under it say little), the rest as they are.
 */
function collapse(errors: ErrorObject[]): ErrorObject[] {
  const alternatives = errors.filter((e) => (e.keyword === 'oneOf' || e.keyword === 'anyOf') && !deferred(e));
  const under = (e: ErrorObject, alt: ErrorObject) => e !== alt && e.schemaPath.startsWith(alt.schemaPath.replace(/\/(oneOf|anyOf)$/, '/$1/')) && e.instancePath.startsWith(alt.instancePath);
  return errors.filter((e) => !deferred(e) && e.keyword !== 'if' && !alternatives.some((alt) => under(e, alt)) && !(e.keyword === 'oneOf' && deferred(e)));
}

const describeSchema = (s: unknown): string | undefined => {
  const d = s && typeof s === 'object' ? (s as { description?: unknown }).description : undefined;
  return typeof d === 'string' ? d.charAt(0).toLowerCase() + d.slice(1) : undefined;
};

function describe(e: ErrorObject, path: Path): { message: string; at: 'value' | 'key'; path: Path } {
  const where = pathLabel(path);
  const p = e.params as Record<string, unknown>;
  const isStep = e.parentSchema === (scenarioSchema.definitions as Record<string, unknown>).step;
  switch (e.keyword) {
    case 'required': return { message: `${where}: missing required property '${String(p.missingProperty)}'`, at: 'value', path };
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      if (isStep) return { message: `unknown step '${key}' in ${where}; the steps are: ${STEP_NAMES.join(', ')}`, at: 'key', path: [...path, key] };
      const props = Object.keys(((e.parentSchema as Record<string, unknown> | undefined)?.properties as object | undefined) ?? {});
      return { message: `unknown property '${key}' in ${where}${props.length ? `; expected one of: ${props.join(', ')}` : ''}`, at: 'key', path: [...path, key] };
    }
    case 'minProperties': return { message: `${where}: ${isStep ? 'expected a step, such as publish: or expect:' : 'expected at least one property'}`, at: 'value', path };
    case 'type': return { message: `${where}: expected ${String(p.type).replace(/,/g, ' or ')}`, at: 'value', path };
    case 'enum': return { message: `${where}: expected one of: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`, at: 'value', path };
    case 'const': return { message: `${where}: expected ${JSON.stringify(p.allowedValue)}`, at: 'value', path };
    case 'oneOf': case 'anyOf': return { message: `${where}: expected ${describeSchema(e.parentSchema)?.replace(/\.$/, '') ?? 'one of the allowed forms'}`, at: 'value', path };
    case 'pattern': {
      if (e.propertyName !== undefined) return { message: `${where}: '${e.propertyName}' is not a valid name (letters, digits, _ and -, not starting with a digit)`, at: 'key', path: [...path, e.propertyName] };
      return { message: `${where}: expected ${describeSchema(e.parentSchema)?.replace(/\.$/, '') ?? `text matching ${String(p.pattern)}`}`, at: 'value', path };
    }
    case 'propertyNames': return { message: `${where}: '${String(p.propertyName)}' is not a valid name (letters, digits, _ and -, not starting with a digit)`, at: 'key', path: [...path, String(p.propertyName)] };
    default: return { message: `${where}: ${e.message ?? 'invalid'}`, at: 'value', path };
  }
}

/**
 * Every schema problem, in document order; empty when the document is valid. Another file format that embeds the
 * scenario steps (a lab's `start:`) passes its own schema holding `scenarioSchema.definitions`.
 */
export function schemaProblems(data: unknown, pos: PositionMap, schema: Record<string, unknown> = scenarioSchema): Problem[] {
  const validate = validator(schema);
  if (validate(data)) return [];
  const seen = new Set<string>();
  const out: { offset: number; problem: Problem }[] = [];
  for (const e of collapse(validate.errors ?? [])) {
    if (e.keyword === 'pattern' && e.propertyName !== undefined) continue; // reported by propertyNames
    const d = describe(e, parsePointer(e.instancePath));
    const offset = pos.offsetOf(d.path, d.at);
    const problem = pos.problem(offset, d.message);
    const key = `${problem.line}:${problem.col}:${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ offset, problem });
  }
  return out.sort((a, b) => a.offset - b.offset).map((o) => o.problem);
}
