/**
 * The awsJson 1.0/1.1 protocol (SQS, CloudWatch Logs): `POST /` with `X-Amz-Target: Prefix.Operation` and a JSON body of
 * the input members; the response is the output members as JSON (timestamps as epoch seconds, blobs as base64),
 * errors are `{"__type": "...", "message": "..."}` with the HTTP status of the modeled error. Services whose model is
 * awsQueryCompatible (SQS) namespace `__type` and add `x-amzn-query-error: <query code>;Sender|Receiver`.
 * The decoder and encoder also serve REST-JSON bodies (Lambda), which name members the same way.
 */
import { isList, isMap, isStructure, type MemberRef, type ServiceModel } from './model.js';
import type { ValidationProblem } from './service.js';
import { lowerFirst, toBase64, toDate } from './values.js';

export class JsonValidation extends Error {
  constructor(readonly problem: ValidationProblem) {
    super(problem.path);
  }
}

/** The body was not a JSON object: awsJson services answer `SerializationException`. */
export class JsonSyntax extends Error {}

/** Parses and checks a JSON body against an input shape: required members present, scalars of their type. */
export function decodeJsonInput(model: ServiceModel, shapeName: string | undefined, body: Buffer): Record<string, unknown> {
  let parsed: unknown = {};
  const text = body.toString('utf8').trim();
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new JsonSyntax('Start of structure or map found where not expected.');
    }
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new JsonSyntax('Start of structure or map found where not expected.');
  if (!shapeName) return {};
  return readValue(model, { type: shapeName }, parsed, '') as Record<string, unknown>;
}

function readValue(model: ServiceModel, ref: MemberRef, v: unknown, path: string): unknown {
  if (v === null || v === undefined) return undefined;
  const bad = () => new JsonValidation({ member: path.split('.').pop() ?? path, path, kind: 'type', value: typeof v === 'object' ? JSON.stringify(v) : v });
  const shape = model.shapes[ref.type];
  if (isStructure(shape)) {
    if (typeof v !== 'object' || Array.isArray(v)) throw bad();
    const src = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [name, member] of Object.entries(shape.structure)) {
      const memberPath = path ? `${path}.${lowerFirst(name)}` : lowerFirst(name);
      const value = readValue(model, member, src[name], memberPath);
      if (value !== undefined) out[name] = value;
      else if (shape.required?.includes(name)) throw new JsonValidation({ member: name, path: memberPath, kind: 'missing' });
    }
    return out;
  }
  if (isList(shape)) {
    if (!Array.isArray(v)) throw bad();
    return v.map((item, i) => readValue(model, shape.list, item, `${path}.${i + 1}.member`));
  }
  if (isMap(shape)) {
    if (typeof v !== 'object' || Array.isArray(v)) throw bad();
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, item]) => [k, readValue(model, shape.map.value, item, `${path}.${k}`)]));
  }
  switch (ref.type) {
    case 'string':
      if (typeof v !== 'string') throw bad();
      return v;
    case 'number':
      if (typeof v !== 'number') throw bad();
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') throw bad();
      return v;
    case 'timestamp': {
      const d = typeof v === 'number' ? new Date(v * 1000) : typeof v === 'string' ? new Date(v) : undefined;
      if (!d || Number.isNaN(d.getTime())) throw bad();
      return d;
    }
    case 'blob':
      if (typeof v !== 'string') throw bad();
      return Buffer.from(v, 'base64');
    default:
      return v;
  }
}

/** An operation's output as JSON-ready members (unmodeled members dropped, timestamps in epoch seconds). */
export function encodeJsonOutput(model: ServiceModel, shapeName: string | undefined, output: unknown): Record<string, unknown> {
  if (!shapeName || !output || typeof output !== 'object') return {};
  return (writeValue(model, { type: shapeName }, output) ?? {}) as Record<string, unknown>;
}

function writeValue(model: ServiceModel, ref: MemberRef, v: unknown): unknown {
  if (v === undefined || v === null) return undefined;
  const shape = model.shapes[ref.type];
  if (isStructure(shape)) {
    const src = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [name, member] of Object.entries(shape.structure)) {
      const value = writeValue(model, member, src[name]);
      if (value !== undefined) out[name] = value;
    }
    return out;
  }
  if (isList(shape)) return Array.isArray(v) ? v.map((item) => writeValue(model, shape.list, item) ?? null) : undefined;
  if (isMap(shape)) {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, item]) => item !== undefined && item !== null)
      .map(([k, item]) => [k, writeValue(model, shape.map.value, item)]));
  }
  switch (ref.type) {
    case 'timestamp': {
      const d = toDate(v);
      if (!d) return undefined;
      return ref.timestampFormat === 'date-time' ? d.toISOString() : ref.timestampFormat === 'http-date' ? d.toUTCString() : d.getTime() / 1000;
    }
    case 'blob':
      return toBase64(v);
    default:
      return v;
  }
}

/** The JSON body and headers of an awsJson error. */
export function encodeJsonError(model: ServiceModel, e: { type: string; code: string; message: string; fault: 'client' | 'server'; fields?: Record<string, unknown> }): { body: string; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  let type = e.type;
  if (model.awsQueryCompatible) {
    if (model.namespace && !type.includes('#')) type = `${model.namespace}#${type}`;
    headers['x-amzn-query-error'] = `${e.code};${e.fault === 'server' ? 'Receiver' : 'Sender'}`;
  }
  return { body: JSON.stringify({ __type: type, message: e.message, ...e.fields }), headers };
}
