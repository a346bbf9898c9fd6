/**
 * Validation of what clients send the Device Shadow service, with AWS's error texts
 * [DG:device-shadow-error-messages, device-shadow-document]. Used by both edges (MQTT topics, HTTP API) and the UI.
 */
import { EngineError } from '../core/index.js';
import {
  SHADOW_MAX_CLIENT_TOKEN_BYTES, SHADOW_MAX_DEPTH, SHADOW_MAX_STATE_BYTES, shadowRequestMessages, type JsonObject, type JsonValue,
} from '../contract/index.js';
import { isObject, type UpdateRequest } from './shadow-doc.js';

/** AWS's limits for one shadow document, shared with the UI's editor (engine/contract/shadow-limits.ts). */
export const MAX_STATE_BYTES = SHADOW_MAX_STATE_BYTES;
export const MAX_DEPTH = SHADOW_MAX_DEPTH;
export const MAX_CLIENT_TOKEN_BYTES = SHADOW_MAX_CLIENT_TOKEN_BYTES;
/** Nesting beyond which a payload is refused before it is parsed, so that no recursion can run deep. */
const PARSE_DEPTH_GUARD = 64;

export const messages = {
  ...shadowRequestMessages,
  encoding: 'Unsupported documented encoding; supported encoding is UTF-8',
  versionConflict: 'Version conflict',
  /** AWS documents the 429 by its status text only ("429 (Too Many Requests)"), with no message of its own. */
  tooManyRequests: 'Too Many Requests',
} as const;

const invalid = (message: string) => new EngineError('InvalidInput', message);

/** Thrown for non-UTF-8 payloads; edges answer 415 (AWS: UnsupportedDocumentEncodingException). */
export const unsupportedEncoding = () => new EngineError('InvalidInput', messages.encoding, { unsupportedEncoding: true });

export function isUnsupportedEncoding(e: unknown): boolean {
  return e instanceof EngineError && (e.details as { unsupportedEncoding?: boolean } | undefined)?.unsupportedEncoding === true;
}

/** Deepest bracket nesting of JSON text, strings skipped; iterative, so any input is safe. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) max = Math.max(max, ++depth);
    else if (c === 125 || c === 93) depth--;
  }
  return max;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes and parses a JSON payload; an empty payload is `undefined`. */
export function parseJsonPayload(payload: Buffer): JsonValue | undefined {
  if (payload.length === 0) return undefined;
  let text: string;
  try {
    text = decoder.decode(payload);
  } catch {
    throw unsupportedEncoding();
  }
  // Nesting deeper than the guard needs more brackets than a shorter text has.
  if (text.length > PARSE_DEPTH_GUARD && nestingDepth(text) > PARSE_DEPTH_GUARD) throw invalid(messages.tooDeep);
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    throw invalid(messages.invalidJson);
  }
}

/** True when objects and arrays nest deeper than `levels`; recursion stops there, whatever the input. */
function deeperThan(value: JsonValue, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (levels === 0) return true;
  if (Array.isArray(value)) {
    for (const v of value) if (deeperThan(v, levels - 1)) return true;
  } else {
    for (const k of Object.keys(value)) if (deeperThan(value[k], levels - 1)) return true;
  }
  return false;
}

function hasNullInArray(value: JsonValue): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    for (const v of value) if (v === null || hasNullInArray(v)) return true;
  } else {
    for (const k of Object.keys(value)) if (hasNullInArray(value[k])) return true;
  }
  return false;
}

/** `clientToken`, when present: a string of at most 64 bytes [DG:device-shadow-document#client-token]. */
export function parseClientToken(doc: JsonValue | undefined): string | undefined {
  if (!isObject(doc) || !Object.hasOwn(doc, 'clientToken')) return undefined;
  const token = doc.clientToken;
  if (typeof token !== 'string' || Buffer.byteLength(token, 'utf8') > MAX_CLIENT_TOKEN_BYTES) throw invalid(messages.invalidClientToken);
  return token;
}

/** The clientToken of a request that failed, so a rejection can still echo it; never throws. */
export function salvageClientToken(payload: Buffer): string | undefined {
  try {
    return parseClientToken(parseJsonPayload(payload));
  } catch {
    return undefined;
  }
}

/** Validates a parsed request state document; keys outside `state`, `version`, `clientToken` are ignored. */
export function parseUpdateDocument(doc: JsonValue | undefined): UpdateRequest {
  if (!isObject(doc)) throw invalid(messages.invalidJson);
  const clientToken = parseClientToken(doc);
  if (!Object.hasOwn(doc, 'state')) throw invalid(messages.missingState);
  const rawState = doc.state;
  if (rawState !== null && !isObject(rawState)) throw invalid(messages.stateNotObject);
  let state: UpdateRequest['state'] = null;
  if (rawState !== null) {
    state = {};
    for (const key of Object.keys(rawState)) {
      if (key !== 'desired' && key !== 'reported') throw invalid(messages.invalidStateNode);
      const section = rawState[key];
      if (section !== null && !isObject(section)) throw invalid(key === 'desired' ? messages.desiredNotObject : messages.reportedNotObject);
      if (section !== null && deeperThan(section, MAX_DEPTH)) throw invalid(messages.tooDeep);
      if (section !== null && hasNullInArray(section)) throw invalid(messages.nullInArray);
      state[key] = section as JsonObject | null;
    }
  }
  const request: UpdateRequest = { state };
  if (doc.version !== undefined && doc.version !== null) {
    if (typeof doc.version !== 'number' || !Number.isSafeInteger(doc.version) || doc.version < 0) throw invalid(messages.invalidVersion);
    request.version = doc.version;
  }
  if (clientToken !== undefined) request.clientToken = clientToken;
  return request;
}

export function parseUpdatePayload(payload: Buffer): UpdateRequest {
  return parseUpdateDocument(parseJsonPayload(payload));
}

/** A `/get` or `/delete` payload: empty, or JSON that may carry a clientToken (anything else in it is ignored). */
export function parseReadPayload(payload: Buffer): { clientToken?: string } {
  const clientToken = parseClientToken(parseJsonPayload(payload));
  return clientToken === undefined ? {} : { clientToken };
}

// ── names ─────────────────────────────────────────────────────────────────

const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
const SHADOW_NAME = /^[$a-zA-Z0-9:_-]{1,64}$/;

/** Thing names: 1–128 of `[a-zA-Z0-9:_-]`; shadow names: 1–64 of `[$a-zA-Z0-9:_-]` [DP-model ThingName, ShadowName]. */
export function validateNames(thing: string, shadowName: string | null): void {
  if (!THING_NAME.test(thing)) throw invalid(`Invalid thing name: '${thing.slice(0, 140)}'. A thing name is 1-128 characters of a-z, A-Z, 0-9, ':', '_' and '-'`);
  if (shadowName !== null && !SHADOW_NAME.test(shadowName)) {
    throw invalid(`Invalid shadow name: '${shadowName.slice(0, 80)}'. A shadow name is 1-64 characters of a-z, A-Z, 0-9, '$', ':', '_' and '-'`);
  }
}
