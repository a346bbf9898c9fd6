/**
 * Pure Device Shadow document logic: merge, `null` deletes, metadata, delta, and the response documents
 * [DG:device-shadow-document, device-shadow-data-flow]. Timestamps are epoch seconds. Nothing here does I/O.
 */
import type { JsonObject, JsonValue, ShadowDocument, ShadowMetadata, ShadowMetadataObject } from '../contract/index.js';

export type Section = 'desired' | 'reported';
export const SECTIONS: readonly Section[] = ['desired', 'reported'];

/** What is stored for a live shadow: state and metadata, sections present only when non-empty. */
export interface StoredState {
  state: { desired?: JsonObject; reported?: JsonObject };
  metadata: { desired?: ShadowMetadataObject; reported?: ShadowMetadataObject };
}

/** A validated request state document (see shadow-request.ts). */
export interface UpdateRequest {
  /** null: `"state": null`, which empties both sections. */
  state: { desired?: JsonObject | null; reported?: JsonObject | null } | null;
  version?: number;
  clientToken?: string;
}

/** Sets an own property even for keys such as `__proto__`, which a plain assignment would not store. */
function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

export const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const isMetaObject = (m: ShadowMetadata | undefined): m is ShadowMetadataObject => typeof m === 'object' && m !== null && !Array.isArray(m);

/** Metadata for a value written at `ts`: a leaf gets `{timestamp}`, arrays one entry per element, objects per key. */
export function metadataOf(value: JsonValue, ts: number): ShadowMetadata {
  if (Array.isArray(value)) return value.map((v) => metadataOf(v, ts));
  if (isObject(value)) {
    const meta: ShadowMetadataObject = {};
    for (const k of Object.keys(value)) setOwn(meta, k, metadataOf(value[k], ts));
    return meta;
  }
  return { timestamp: ts };
}

/** Metadata for a request section as echoed in `/update/accepted`: `null` values get a timestamp too. */
export function requestMetadata(patch: JsonObject, ts: number): ShadowMetadataObject {
  return metadataOf(patch, ts) as ShadowMetadataObject;
}

/**
 * Deep merge of one section [DG:device-shadow-data-flow]: fields not mentioned are kept at every level, `null`
 * removes a field, arrays and scalars replace the old value whole. Returns new objects; inputs are not modified.
 */
export function mergeSection(
  current: JsonObject | undefined, meta: ShadowMetadataObject | undefined, patch: JsonObject, ts: number,
): { value: JsonObject; meta: ShadowMetadataObject } {
  const value: JsonObject = { ...current };
  const metaOut: ShadowMetadataObject = { ...meta };
  for (const key of Object.keys(patch)) {
    const v = patch[key];
    if (v === null) {
      delete value[key];
      delete metaOut[key];
    } else if (isObject(v)) {
      const old = Object.hasOwn(value, key) ? value[key] : undefined;
      const oldMeta = Object.hasOwn(metaOut, key) ? metaOut[key] : undefined;
      const merged = mergeSection(isObject(old) ? old : undefined, isObject(old) && isMetaObject(oldMeta) ? oldMeta : undefined, v, ts);
      setOwn(value, key, merged.value);
      setOwn(metaOut, key, merged.meta);
    } else {
      setOwn(value, key, v);
      setOwn(metaOut, key, metadataOf(v, ts));
    }
  }
  return { value, meta: metaOut };
}

/** Applies a request's state to the stored state; a section left empty is removed (AWS omits empty sections). */
export function applyState(current: StoredState | undefined, request: UpdateRequest['state'], ts: number): StoredState {
  const next: StoredState = { state: { ...current?.state }, metadata: { ...current?.metadata } };
  for (const section of SECTIONS) {
    const patch = request === null ? null : request[section];
    if (patch === undefined) continue;
    const merged = patch === null ? undefined : mergeSection(next.state[section], next.metadata[section], patch, ts);
    if (merged && Object.keys(merged.value).length) {
      next.state[section] = merged.value;
      next.metadata[section] = merged.meta;
    } else {
      delete next.state[section];
      delete next.metadata[section];
    }
  }
  return next;
}

export function deepEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bArr = b as JsonValue[];
    return a.length === bArr.length && a.every((v, i) => deepEqual(v, bArr[i]));
  }
  const aKeys = Object.keys(a);
  const bObj = b as JsonObject;
  return aKeys.length === Object.keys(bObj).length && aKeys.every((k) => Object.hasOwn(bObj, k) && deepEqual(a[k], bObj[k]));
}

/**
 * The delta [DG:device-shadow-mqtt#update-delta-rules]: desired fields whose value differs from reported, nested
 * objects compared leaf by leaf (the path to a differing leaf is kept), arrays and type mismatches compared whole.
 * Fields only in reported are left out. Returns undefined when nothing differs.
 */
export function computeDelta(desired: JsonObject | undefined, reported: JsonObject | undefined): JsonObject | undefined {
  if (!desired) return undefined;
  const delta: JsonObject = {};
  for (const [key, d] of Object.entries(desired)) {
    const r = reported && Object.hasOwn(reported, key) ? reported[key] : undefined;
    if (isObject(d) && isObject(r)) {
      const sub = computeDelta(d, r);
      if (sub) setOwn(delta, key, sub);
    } else if (!deepEqual(d, r)) {
      setOwn(delta, key, d);
    }
  }
  return Object.keys(delta).length ? delta : undefined;
}

/** Delta metadata equals the desired metadata at the same paths [DG:device-shadow-document#delta-state]. */
export function deltaMetadata(delta: JsonObject, desiredMeta: ShadowMetadataObject | undefined): ShadowMetadataObject {
  const out: ShadowMetadataObject = {};
  for (const [key, v] of Object.entries(delta)) {
    const m = desiredMeta && Object.hasOwn(desiredMeta, key) ? desiredMeta[key] : undefined;
    if (m === undefined) continue;
    setOwn(out, key, isObject(v) && isMetaObject(m) ? deltaMetadata(v, m) : m);
  }
  return out;
}

/** Bytes counted against the 8 KB document limit: desired and reported only, metadata excluded [DG:diagnosing-shadows]. */
export function stateBytes(state: StoredState['state']): number {
  return Buffer.byteLength(JSON.stringify(state), 'utf8');
}

// ── response documents ────────────────────────────────────────────────────

const withToken = <T extends object>(doc: T, clientToken?: string) => (clientToken === undefined ? doc : { ...doc, clientToken });

/** `/update/accepted` and the UpdateThingShadow body: echoes only the request's sections, with their metadata. */
export function acceptedDocument(request: UpdateRequest, version: number, ts: number) {
  const state: Record<string, JsonObject | null> = {};
  const metadata: Record<string, ShadowMetadata> = {};
  for (const section of SECTIONS) {
    const patch = request.state === null ? null : request.state[section];
    if (patch === undefined) continue;
    state[section] = patch;
    metadata[section] = patch === null ? { timestamp: ts } : requestMetadata(patch, ts);
  }
  return withToken({ state, metadata, version, timestamp: ts }, request.clientToken);
}

/** `/get/accepted` and the GetThingShadow body: the whole document with the delta when there is one. */
export function getDocument(stored: StoredState, version: number, ts: number, clientToken?: string) {
  const delta = computeDelta(stored.state.desired, stored.state.reported);
  const state: ShadowDocument['state'] = delta ? { ...stored.state, delta } : { ...stored.state };
  return withToken({ state, metadata: stored.metadata, version, timestamp: ts }, clientToken);
}

/** `/update/delta`: the full current delta (not only this update's part), keys directly under `state`. */
export function deltaDocument(stored: StoredState, version: number, ts: number, clientToken?: string) {
  const delta = computeDelta(stored.state.desired, stored.state.reported);
  if (!delta) return undefined;
  return withToken({ version, timestamp: ts, state: delta, metadata: deltaMetadata(delta, stored.metadata.desired) }, clientToken);
}

/** `/update/documents`: previous and current whole documents (no delta). `previous` is left out on creation. */
export function documentsDocument(
  previous: { stored: StoredState; version: number } | undefined, current: { stored: StoredState; version: number }, ts: number, clientToken?: string,
) {
  const snap = (d: { stored: StoredState; version: number }) => ({ state: d.stored.state, metadata: d.stored.metadata, version: d.version });
  return withToken({ ...(previous ? { previous: snap(previous) } : {}), current: snap(current), timestamp: ts }, clientToken);
}

/**
 * `/update/documents` as JSON text, built from the stored JSON texts (`{"state":…,"metadata":…}`) of the previous and
 * current documents without parsing or re-serializing them: the same text as `JSON.stringify(documentsDocument(…))`.
 */
export function documentsJson(
  previousJson: string | null, previousVersion: number, currentJson: string, version: number, ts: number, clientToken?: string,
): string {
  const previous = previousJson === null ? '' : `"previous":${previousJson.slice(0, -1)},"version":${previousVersion}},`;
  const token = clientToken === undefined ? '' : `,"clientToken":${JSON.stringify(clientToken)}`;
  return `{${previous}"current":${currentJson.slice(0, -1)},"version":${version}},"timestamp":${ts}${token}}`;
}

/** `/delete/accepted` and the DeleteThingShadow body. */
export function deletedDocument(version: number, ts: number, clientToken?: string) {
  return withToken({ version, timestamp: ts }, clientToken);
}
