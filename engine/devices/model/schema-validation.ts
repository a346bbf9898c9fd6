/** Validates a parsed model file against the published schema and turns ajv's errors into `file:line:col` problems. */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { deviceModelSchema, GENERATOR_NAMES } from './schema.js';
import { pathLabel, type Path, type PositionMap, type Problem } from './positions.js';

let compiled: ValidateFunction | undefined;
/** Compiled on first use, so importing the model module (a fleet worker does) does not pay for ajv. */
function validator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, discriminator: true, strict: true, allowUnionTypes: true }).compile(deviceModelSchema);
  return compiled;
}

function parsePointer(p: string): (string | number)[] {
  if (!p) return [];
  return p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function schemaAt(schemaPath: string): Record<string, unknown> | undefined {
  let s: unknown = deviceModelSchema;
  for (const seg of schemaPath.replace(/^#\//, '').split('/').slice(0, -1)) {
    s = (s as Record<string, unknown> | undefined)?.[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (s && typeof s === 'object' && '$ref' in s) s = (deviceModelSchema.definitions as Record<string, unknown>).field;
  }
  return s as Record<string, unknown> | undefined;
}

function describe(e: ErrorObject, path: Path): { message: string; at: 'value' | 'key'; path: Path } {
  const where = pathLabel(path);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': return { message: `${where}: missing required property '${String(p.missingProperty)}'`, at: 'value', path };
    case 'additionalProperties': {
      const props = Object.keys((schemaAt(e.schemaPath)?.properties as object | undefined) ?? {});
      const key = String(p.additionalProperty);
      return { message: `unknown property '${key}' in ${where}${props.length ? `; expected one of: ${props.join(', ')}` : ''}`, at: 'key', path: [...path, key] };
    }
    case 'type': return { message: `${where}: expected ${String(p.type).replace(/,/g, ' or ')}`, at: 'value', path };
    case 'enum': return { message: `${where}: expected one of: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`, at: 'value', path };
    case 'const': return { message: `${where}: expected ${JSON.stringify(p.allowedValue)}`, at: 'value', path };
    case 'pattern': return { message: `${where}: expected ${path.some((s) => ['interval', 'offset', 'spread', 'period', 'every', 'duration', 'halfLife', 'delay', 'timer', 'min', 'max', 'applyDelay', 'downloadTimeout'].includes(String(s))) ? 'a duration such as 500ms, 5s, 2m or 1h' : `text matching ${String(p.pattern)}`}`, at: 'value', path };
    case 'discriminator':
      if (p.error === 'mapping') {
        return { message: `${where}: unknown generator ${JSON.stringify(p.tagValue)}; expected one of: ${GENERATOR_NAMES.join(', ')}`, at: 'value', path: [...path, 'gen'] };
      }
      return { message: `${where}: 'gen' must be a generator name`, at: 'value', path };
    default: return { message: `${where}: ${e.message ?? 'invalid'}`, at: 'value', path };
  }
}

/** Every schema problem, in document order; empty when the document is valid. */
export function schemaProblems(data: unknown, pos: PositionMap): Problem[] {
  const validate = validator();
  if (validate(data)) return [];
  const seen = new Set<string>();
  const out: { offset: number; problem: Problem }[] = [];
  for (const e of validate.errors ?? []) {
    if (e.keyword === 'if') continue; // the failing `then`/`else` branch says what was expected
    const d = describe(e, parsePointer(e.instancePath));
    const offset = pos.offsetOf(d.path, d.at);
    const problem = pos.problem(offset, d.message);
    const k = `${offset}\u0000${d.message}`;
    if (!seen.has(k)) { seen.add(k); out.push({ offset, problem }); }
  }
  return out.sort((a, b) => a.offset - b.offset).map((x) => x.problem);
}
