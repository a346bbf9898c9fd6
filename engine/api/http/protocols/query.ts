/**
 * The AWS query protocol (IAM, STS, SNS, and SQS for older clients): `Action=…&Version=…` form bodies decoded into an
 * operation's input by its model, responses as `<OperationResponse xmlns="…"><OperationResult>…</OperationResult>
 * <ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></OperationResponse>`, errors as
 * `<ErrorResponse><Error><Type>Sender|Receiver</Type><Code>…</Code><Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>`.
 * Key and element names follow the model: `Name.member.N` lists (`Name.N` flattened, with the member's xmlName),
 * `Name.entry.N.key/value` maps (`Name.N.key` flattened, with the key's and value's xmlNames).
 */
import { isList, isMap, isStructure, type MemberRef, type ServiceModel } from './model.js';
import type { ValidationProblem } from './service.js';
import { isoTimestamp, lowerFirst, toBase64, toDate } from './values.js';

export class QueryValidation extends Error {
  constructor(readonly problem: ValidationProblem) {
    super(problem.path);
  }
}

/** Decodes form parameters (already split; `Action` and `Version` are skipped) into an operation's input members. */
export function decodeQueryInput(model: ServiceModel, shapeName: string | undefined, params: Iterable<[string, string]>): Record<string, unknown> {
  const values = new Map<string, string>();
  const prefixes = new Set<string>();
  for (const [k, v] of params) {
    if (k === 'Action' || k === 'Version') continue;
    values.set(k, v);
    let dot = k.indexOf('.');
    while (dot >= 0) {
      prefixes.add(k.slice(0, dot));
      dot = k.indexOf('.', dot + 1);
    }
    prefixes.add(k);
  }
  if (!shapeName) return {};
  return readStructure(model, shapeName, '', '', values, prefixes) ?? {};
}

function readStructure(model: ServiceModel, shapeName: string, prefix: string, path: string, values: Map<string, string>, prefixes: Set<string>): Record<string, unknown> | undefined {
  const shape = model.shapes[shapeName];
  if (!isStructure(shape)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(shape.structure)) {
    const key = prefix + (ref.xmlName ?? name);
    const memberPath = path + lowerFirst(name);
    const v = read(model, ref, key, memberPath, values, prefixes);
    if (v !== undefined) out[name] = v;
    else if (shape.required?.includes(name)) throw new QueryValidation({ member: name, path: memberPath, kind: 'missing' });
  }
  return out;
}

function indices(prefix: string, prefixes: Set<string>): number[] {
  const found: number[] = [];
  for (let i = 1; prefixes.has(`${prefix}.${i}`); i++) found.push(i);
  return found;
}

function read(model: ServiceModel, ref: MemberRef, key: string, path: string, values: Map<string, string>, prefixes: Set<string>): unknown {
  if (!prefixes.has(key)) return undefined;
  const shape = model.shapes[ref.type];
  if (isStructure(shape)) return readStructure(model, ref.type, `${key}.`, `${path}.`, values, prefixes);
  if (isList(shape)) {
    if (values.get(key) === '') return [];
    const flat = ref.flattened || shape.flattened;
    const base = flat ? key : `${key}.${shape.list.xmlName ?? 'member'}`;
    return indices(base, prefixes).map((i) => read(model, shape.list, `${base}.${i}`, `${path}.${i}.member`, values, prefixes));
  }
  if (isMap(shape)) {
    if (values.get(key) === '') return {};
    const flat = ref.flattened || shape.flattened;
    const base = flat ? key : `${key}.entry`;
    const entries: Array<[string, unknown]> = [];
    for (const i of indices(base, prefixes)) {
      const k = read(model, shape.map.key, `${base}.${i}.${shape.map.key.xmlName ?? 'key'}`, `${path}.${i}.key`, values, prefixes);
      if (k === undefined) continue;
      entries.push([String(k), read(model, shape.map.value, `${base}.${i}.${shape.map.value.xmlName ?? 'value'}`, `${path}.${i}.value`, values, prefixes)]);
    }
    return Object.fromEntries(entries); // own properties only: a key named __proto__ stays a key
  }
  const raw = values.get(key);
  if (raw === undefined) return undefined;
  return scalar(ref, raw, path);
}

function scalar(ref: MemberRef, raw: string, path: string): unknown {
  const bad = () => new QueryValidation({ member: path.split('.').pop() ?? path, path, kind: 'type', value: raw });
  switch (ref.type) {
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw bad();
      return n;
    }
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw bad();
      return raw === 'true';
    case 'timestamp': {
      const d = /^-?\d+(\.\d+)?$/.test(raw) ? new Date(Number(raw) * 1000) : new Date(raw);
      if (Number.isNaN(d.getTime())) throw bad();
      return d;
    }
    case 'blob':
      return Buffer.from(raw, 'base64');
    default:
      return raw;
  }
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#xD;' };
export const escapeXml = (s: string) => s.replace(/[&<>"'\r]/g, (c) => XML_ESCAPES[c]);

/** `<name>…</name>` for one value of a type, or '' when there is none. */
function element(model: ServiceModel, ref: MemberRef, name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  const shape = model.shapes[ref.type];
  if (isStructure(shape)) return `<${name}>${structureBody(model, ref.type, value as Record<string, unknown>)}</${name}>`;
  if (isList(shape)) {
    const items = Array.isArray(value) ? value : [];
    if (ref.flattened || shape.flattened) return items.map((item) => element(model, shape.list, name, item)).join('');
    const inner = shape.list.xmlName ?? 'member';
    return `<${name}>${items.map((item) => element(model, shape.list, inner, item)).join('')}</${name}>`;
  }
  if (isMap(shape)) {
    const keyName = shape.map.key.xmlName ?? 'key';
    const valueName = shape.map.value.xmlName ?? 'value';
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `${element(model, shape.map.key, keyName, k)}${element(model, shape.map.value, valueName, v)}`);
    if (ref.flattened || shape.flattened) return entries.map((e) => `<${name}>${e}</${name}>`).join('');
    return `<${name}>${entries.map((e) => `<entry>${e}</entry>`).join('')}</${name}>`;
  }
  const text = scalarText(ref, value);
  return text === undefined ? '' : `<${name}>${escapeXml(text)}</${name}>`;
}

function scalarText(ref: MemberRef, value: unknown): string | undefined {
  switch (ref.type) {
    case 'timestamp': {
      const d = toDate(value);
      if (!d) return undefined;
      return ref.timestampFormat === 'epoch-seconds' ? String(d.getTime() / 1000) : ref.timestampFormat === 'http-date' ? d.toUTCString() : isoTimestamp(d);
    }
    case 'blob':
      return toBase64(value);
    case 'document':
      return typeof value === 'string' ? value : JSON.stringify(value);
    default:
      return String(value);
  }
}

function structureBody(model: ServiceModel, shapeName: string, value: Record<string, unknown>): string {
  const shape = model.shapes[shapeName];
  if (!isStructure(shape) || !value || typeof value !== 'object') return '';
  return Object.entries(shape.structure).map(([name, ref]) => element(model, ref, ref.xmlName ?? name, value[name])).join('');
}

const metadata = (requestId: string) => `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata>`;

/** The XML body of a successful query-protocol response. */
export function encodeQueryResponse(model: ServiceModel, operation: string, output: unknown, requestId: string, xmlNamespace = model.xmlNamespace): string {
  const outShape = model.operations[operation]?.output;
  const result = outShape ? `<${operation}Result>${structureBody(model, outShape, (output ?? {}) as Record<string, unknown>)}</${operation}Result>` : '';
  const ns = xmlNamespace ? ` xmlns="${escapeXml(xmlNamespace)}"` : '';
  return `<${operation}Response${ns}>${result}${metadata(requestId)}</${operation}Response>`;
}

/** The XML body of a query-protocol error. */
export function encodeQueryError(e: { code: string; message: string; fault: 'client' | 'server' }, requestId: string, xmlNamespace?: string): string {
  const ns = xmlNamespace ? ` xmlns="${escapeXml(xmlNamespace)}"` : '';
  return `<ErrorResponse${ns}><Error><Type>${e.fault === 'server' ? 'Receiver' : 'Sender'}</Type><Code>${escapeXml(e.code)}</Code>`
    + `<Message>${escapeXml(e.message)}</Message></Error><RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`;
}
