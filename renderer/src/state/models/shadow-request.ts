/**
 * Checks a shadow request state document as typed in the editor, before it is sent, by the rules the engine's
 * Device Shadow service applies (engine/shadow/shadow-request.ts) and with AWS's messages
 * [DG:device-shadow-error-messages]: it names the first problem with its position (1-based line and column), so the
 * editor can underline it. The engine checks again on update; this only spares a round trip and says where.
 */
import {
  SHADOW_MAX_CLIENT_TOKEN_BYTES, SHADOW_MAX_DEPTH, SHADOW_MAX_STATE_BYTES, shadowRequestMessages,
  type JsonObject, type JsonValue, type ShadowDocument, type ShadowPatch,
} from '../../../../engine/contract/index.js';

/** AWS's limits and texts, the same copy the engine's Device Shadow service reads. */
const MAX_STATE_BYTES = SHADOW_MAX_STATE_BYTES;
const MAX_DEPTH = SHADOW_MAX_DEPTH;
const MAX_CLIENT_TOKEN_BYTES = SHADOW_MAX_CLIENT_TOKEN_BYTES;
export const shadowMessages = shadowRequestMessages;
const PARSE_DEPTH_GUARD = 64;

export interface RequestProblem {
  /** The HTTP status AWS answers with (400, 413). */
  code: number;
  /** AWS's message. */
  message: string;
  /** What exactly is wrong, in words, when AWS's message alone does not say. */
  detail?: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export type RequestCheck = { ok: true; patch: ShadowPatch; stateBytes: number } | { ok: false; problem: RequestProblem };

// ── a JSON parser that keeps where each value is ───────────────────────────

type Node =
  | { kind: 'object'; start: number; end: number; entries: { key: string; keyStart: number; keyEnd: number; node: Node }[] }
  | { kind: 'array'; start: number; end: number; items: Node[] }
  | { kind: 'scalar'; start: number; end: number; value: string | number | boolean | null };

class SyntaxProblem extends Error {
  constructor(readonly at: number, message: string, readonly tooDeep = false) {
    super(message);
  }
}

function parse(text: string): Node {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const describe = (at: number) => (at >= text.length ? 'the end of the text' : `'${text[at]}'`);

  function string(): { value: string; start: number; end: number } {
    const start = i;
    i++; // the opening quote
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) throw new SyntaxProblem(i, 'a control character must be escaped inside a string');
      i++;
    }
    if (i >= text.length) throw new SyntaxProblem(start, 'this string is not closed');
    i++;
    try {
      return { value: JSON.parse(text.slice(start, i)) as string, start, end: i };
    } catch {
      throw new SyntaxProblem(start, 'this string has an invalid escape');
    }
  }

  function value(depth: number): Node {
    ws();
    const start = i;
    const c = text[i];
    if (c === '{' || c === '[') {
      if (depth >= PARSE_DEPTH_GUARD) throw new SyntaxProblem(i, 'nested too deeply', true);
      i++;
      ws();
      if (c === '{') {
        const entries: Extract<Node, { kind: 'object' }>['entries'] = [];
        if (text[i] === '}') return { kind: 'object', start, end: ++i, entries };
        for (;;) {
          ws();
          if (text[i] !== '"') throw new SyntaxProblem(i, `expected a property name in double quotes, found ${describe(i)}`);
          const key = string();
          ws();
          if (text[i] !== ':') throw new SyntaxProblem(i, `expected ':' after the property name, found ${describe(i)}`);
          i++;
          const node = value(depth + 1);
          const dup = entries.findIndex((e) => e.key === key.value);
          if (dup >= 0) entries.splice(dup, 1); // the last one wins, as with JSON.parse
          entries.push({ key: key.value, keyStart: key.start, keyEnd: key.end, node });
          ws();
          if (text[i] === ',') { i++; continue; }
          if (text[i] === '}') return { kind: 'object', start, end: ++i, entries };
          throw new SyntaxProblem(i, `expected ',' or '}', found ${describe(i)}`);
        }
      }
      const items: Node[] = [];
      if (text[i] === ']') return { kind: 'array', start, end: ++i, items };
      for (;;) {
        items.push(value(depth + 1));
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') return { kind: 'array', start, end: ++i, items };
        throw new SyntaxProblem(i, `expected ',' or ']', found ${describe(i)}`);
      }
    }
    if (c === '"') {
      const s = string();
      return { kind: 'scalar', start, end: s.end, value: s.value };
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return { kind: 'scalar', start, end: i, value: v };
      }
    }
    const num = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (num && num[0].length) {
      i += num[0].length;
      return { kind: 'scalar', start, end: i, value: Number(num[0]) };
    }
    throw new SyntaxProblem(i, `expected a value, found ${describe(i)}`);
  }

  const root = value(0);
  ws();
  if (i < text.length) throw new SyntaxProblem(i, `unexpected ${describe(i)} after the document`);
  return root;
}

function toJson(node: Node): JsonValue {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'array') return node.items.map(toJson);
  const out: JsonObject = {};
  for (const e of node.entries) {
    if (e.key === '__proto__') Object.defineProperty(out, e.key, { value: toJson(e.node), enumerable: true, writable: true, configurable: true });
    else out[e.key] = toJson(e.node);
  }
  return out;
}

// ── the checks ─────────────────────────────────────────────────────────────

/** 1-based line and column of a UTF-16 offset, as Monaco counts them. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text[k] === '\n') { line++; lineStart = k + 1; }
  }
  return { line, column: Math.min(offset, text.length) - lineStart + 1 };
}

const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;

/** The first container nested deeper than `MAX_DEPTH` in a section (the section object is level 1). */
function tooDeep(node: Node, level: number): Node | undefined {
  if (node.kind === 'scalar') return undefined;
  if (level > MAX_DEPTH) return node;
  for (const child of node.kind === 'object' ? node.entries.map((e) => e.node) : node.items) {
    const found = tooDeep(child, level + 1);
    if (found) return found;
  }
  return undefined;
}

function nullInArray(node: Node): Node | undefined {
  if (node.kind === 'scalar') return undefined;
  for (const child of node.kind === 'object' ? node.entries.map((e) => e.node) : node.items) {
    if (node.kind === 'array' && child.kind === 'scalar' && child.value === null) return child;
    const found = nullInArray(child);
    if (found) return found;
  }
  return undefined;
}

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge as the service does it: `null` removes, objects merge key by key, anything else replaces. */
export function mergeSection(current: JsonObject | undefined, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...current };
  for (const key of Object.keys(patch)) {
    const v = patch[key];
    if (v === null) delete out[key];
    else if (isObject(v)) out[key] = mergeSection(isObject(out[key]) ? out[key] : undefined, v);
    else out[key] = v;
  }
  return out;
}

/** The state a patch leaves (emptied sections removed), whose JSON is what counts against the 8 KB limit. */
export function stateAfter(current: ShadowDocument['state'] | undefined, patch: ShadowPatch['state']): { desired?: JsonObject; reported?: JsonObject } {
  const next: { desired?: JsonObject; reported?: JsonObject } = {};
  if (current?.desired) next.desired = current.desired;
  if (current?.reported) next.reported = current.reported;
  for (const section of ['desired', 'reported'] as const) {
    const p = patch === null ? null : patch[section];
    if (p === undefined) continue;
    const merged = p === null ? undefined : mergeSection(next[section], p);
    if (merged && Object.keys(merged).length) next[section] = merged;
    else delete next[section];
  }
  return next;
}

/**
 * Checks `text` as an update request for a shadow whose current state is `current` (undefined: a new shadow), in
 * the order the service checks, and returns the patch to send or the first problem.
 */
export function checkShadowRequest(text: string, current?: ShadowDocument['state']): RequestCheck {
  const fail = (code: number, message: string, start: number, end: number, detail?: string): RequestCheck => {
    const a = positionOf(text, start);
    const b = positionOf(text, Math.max(end, start + 1));
    return { ok: false, problem: { code, message, ...(detail ? { detail } : {}), line: a.line, column: a.column, endLine: b.line, endColumn: b.column } };
  };
  let root: Node;
  try {
    root = parse(text);
  } catch (e) {
    if (!(e instanceof SyntaxProblem)) throw e;
    return e.tooDeep ? fail(400, shadowMessages.tooDeep, e.at, e.at + 1) : fail(400, shadowMessages.invalidJson, e.at, e.at + 1, e.message);
  }
  if (root.kind !== 'object') return fail(400, shadowMessages.invalidJson, root.start, root.end, 'the request must be a JSON object');
  const field = (key: string) => root.entries.find((e) => e.key === key);

  const token = field('clientToken');
  if (token) {
    const v = token.node.kind === 'scalar' ? token.node.value : undefined;
    if (typeof v !== 'string' || utf8Bytes(v) > MAX_CLIENT_TOKEN_BYTES) {
      return fail(400, shadowMessages.invalidClientToken, token.node.start, token.node.end, `clientToken must be a string of at most ${MAX_CLIENT_TOKEN_BYTES} bytes`);
    }
  }

  const state = field('state');
  if (!state) return fail(400, shadowMessages.missingState, root.start, root.start + 1, 'add "state": {"desired": {…}} or "reported"');
  const stateNode = state.node;
  if (stateNode.kind !== 'object' && !(stateNode.kind === 'scalar' && stateNode.value === null)) {
    return fail(400, shadowMessages.stateNotObject, stateNode.start, stateNode.end);
  }
  if (stateNode.kind === 'object') {
    for (const e of stateNode.entries) {
      if (e.key !== 'desired' && e.key !== 'reported') {
        return fail(400, shadowMessages.invalidStateNode, e.keyStart, e.keyEnd, `"${e.key}" is not allowed in state: only "desired" and "reported"`);
      }
      const section = e.node;
      if (section.kind === 'scalar' && section.value === null) continue;
      if (section.kind !== 'object') {
        return fail(400, e.key === 'desired' ? shadowMessages.desiredNotObject : shadowMessages.reportedNotObject, section.start, section.end);
      }
      const deep = tooDeep(section, 1);
      if (deep) return fail(400, shadowMessages.tooDeep, deep.start, deep.start + 1, `this value is at level ${levelOf(section, deep)} of ${e.key}`);
      const nul = nullInArray(section);
      if (nul) return fail(400, shadowMessages.nullInArray, nul.start, nul.end);
    }
  }

  const version = field('version');
  const versionValue = version?.node.kind === 'scalar' ? version.node.value : undefined;
  if (version && versionValue !== null) {
    if (typeof versionValue !== 'number' || !Number.isSafeInteger(versionValue) || versionValue < 0) {
      return fail(400, shadowMessages.invalidVersion, version.node.start, version.node.end, 'version must be a whole number, the version you expect the shadow to be at');
    }
  }

  const doc = toJson(root) as JsonObject;
  const patch: ShadowPatch = { state: doc.state as ShadowPatch['state'] };
  if (typeof versionValue === 'number') patch.version = versionValue;
  if (token) patch.clientToken = (token.node as { value: string }).value;
  const bytes = utf8Bytes(JSON.stringify(stateAfter(current, patch.state)));
  if (bytes > MAX_STATE_BYTES) {
    return fail(413, shadowMessages.tooLarge, state.keyStart, stateNode.end,
      `desired and reported would hold ${bytes} bytes after this update; a shadow holds at most ${MAX_STATE_BYTES}`);
  }
  return { ok: true, patch, stateBytes: bytes };
}

function levelOf(section: Node, target: Node, level = 1): number {
  if (section === target) return level;
  if (section.kind === 'scalar') return 0;
  for (const child of section.kind === 'object' ? section.entries.map((e) => e.node) : section.items) {
    const found = levelOf(child, target, level + 1);
    if (found) return found;
  }
  return 0;
}
