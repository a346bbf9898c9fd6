/**
 * Completion for scenario YAML from the scenario file's JSON Schema (`scenarios.schema()`, the engine's one source):
 * where the cursor is (block mappings and lists by indentation, `{ … }` flow mappings on the line), which schema
 * applies there, and the keys or values it allows: step kinds in a step list, a step's keys, a fault's kinds, the
 * devices the scenario declares. Pure: the Monaco glue is `features/devices/scenario-language.ts`.
 */

type Schema = Record<string, unknown>;

export interface Suggestion {
  label: string;
  /** What goes into the text. */
  insert: string;
  kind: 'key' | 'step' | 'value' | 'device';
  detail?: string;
  documentation?: string;
  /** Sorts required keys first. */
  required?: boolean;
}

export interface CompletionContext {
  /** Path from the root: property names, `[]` for a list item. */
  path: string[];
  /** Completing a key (else a value of `key`). */
  at: 'key' | 'value';
  key?: string;
  /** The partial word before the cursor. */
  word: string;
}

interface LineInfo {
  dash?: number;
  keyCol?: number;
  key?: string;
  /** The key has a value on the same line. */
  inline: boolean;
  blank: boolean;
}

const KEY_LINE = /^(\s*)((?:-\s+)*)([^\s#{}[\],:'"][^#{}[\],:]*?|"[^"]*"|'[^']*')\s*:(?:\s+(.*))?$/;

function parseLine(line: string): LineInfo {
  const trimmed = line.replace(/\s+#.*$/, '');
  if (!trimmed.trim() || trimmed.trim().startsWith('#')) return { inline: false, blank: true };
  const m = KEY_LINE.exec(trimmed);
  if (!m) {
    const dash = /^(\s*)-(\s|$)/.exec(trimmed);
    return dash ? { dash: dash[1].length, inline: true, blank: false } : { keyCol: trimmed.search(/\S/), inline: true, blank: false };
  }
  const indent = m[1].length;
  const dashes = m[2];
  const keyCol = indent + dashes.length;
  return {
    ...(dashes ? { dash: indent + dashes.lastIndexOf('-') } : {}), keyCol, key: m[3].replace(/^["']|["']$/g, ''),
    inline: Boolean(m[4]?.trim()), blank: false,
  };
}

/** Where the cursor is: `before` is the text from the start of the document to the cursor. */
export function completionContext(before: string): CompletionContext {
  const lines = before.split(/\r?\n/);
  const current = lines.pop() ?? '';
  const infos = lines.map(parseLine);

  // The nearest line above `from` that holds the mapping at column `col`, as a path.
  const parentOf = (from: number, col: number): string[] => {
    for (let i = from - 1; i >= 0; i--) {
      const l = infos[i];
      if (l.blank) continue;
      if (l.keyCol === undefined) {
        if (l.dash !== undefined && l.dash < col) return [...listOf(i, l.dash), '[]'];
        continue;
      }
      if (l.keyCol === col) {
        if (l.dash !== undefined) return [...listOf(i, l.dash), '[]'];
        continue;
      }
      if (l.keyCol < col) {
        if (l.key === undefined) continue;
        return [...pathOfLine(i), l.key];
      }
    }
    return [];
  };
  // The key whose value is the list with dashes at column `dash`, as a path.
  const listOf = (from: number, dash: number): string[] => {
    for (let i = from - 1; i >= 0; i--) {
      const l = infos[i];
      if (l.blank) continue;
      if (l.key !== undefined && l.keyCol !== undefined && (l.keyCol < dash || (l.keyCol === dash && l.dash === undefined)) && (l.dash === undefined || l.dash < dash)) {
        return [...pathOfLine(i), l.key];
      }
      if (l.dash !== undefined && l.dash < dash) return [...listOf(i, l.dash), '[]'];
    }
    return [];
  };
  // The path of the mapping a key line belongs to.
  const pathOfLine = (i: number): string[] => {
    const l = infos[i];
    if (l.dash !== undefined) return [...listOf(i, l.dash), '[]'];
    return parentOf(i, l.keyCol ?? 0);
  };

  // Inside `{ … }` or `[ … ]` on this line?
  const flow = flowContext(current);
  const m = /^(\s*)((?:-\s+)*)(.*)$/.exec(current)!;
  const indent = m[1].length, dashes = m[2], rest = m[3];
  const base = dashes ? [...listOf(lines.length, indent + dashes.lastIndexOf('-')), '[]'] : parentOf(lines.length, indent);
  if (flow) {
    const lineKey = /^([^\s#{}[\],:][^#{}[\],:]*?)\s*:/.exec(rest)?.[1];
    return { ...flow, path: [...base, ...(lineKey ? [lineKey] : []), ...flow.path] };
  }
  const value = /^([^\s#{}[\],:][^#{}[\],:]*?)\s*:\s+(\S*)$/.exec(rest);
  if (value) return { path: base, at: 'value', key: value[1], word: value[2] };
  return { path: base, at: 'key', word: /[\w.-]*$/.exec(rest)![0] };
}

/** The context inside the line's innermost open `{` or `[`, or null when the cursor is outside them. */
function flowContext(line: string): CompletionContext | null {
  const stack: { open: string; key?: string; start: number }[] = [];
  let lastKey: string | undefined, quote = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = '';
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '{' || ch === '[') {
      stack.push({ open: ch, key: lastKey, start: i + 1 });
      lastKey = undefined;
    } else if (ch === '}' || ch === ']') stack.pop();
    else if (ch === ':') {
      const before = line.slice(0, i);
      const k = /([^\s{},[\]:'"]+|"[^"]*"|'[^']*')\s*$/.exec(before)?.[1];
      lastKey = k?.replace(/^["']|["']$/g, '');
    } else if (ch === ',') lastKey = undefined;
  }
  if (!stack.length || quote) return null;
  const path: string[] = [];
  stack.forEach((s, i) => {
    if (i === 0) {
      if (s.open === '[') path.push('[]');
      return;
    }
    if (s.key) path.push(s.key);
    if (s.open === '[') path.push('[]');
  });
  const top = stack[stack.length - 1];
  const tail = line.slice(top.start);
  const segment = tail.slice(Math.max(tail.lastIndexOf(','), -1) + 1);
  if (top.open === '[') return { path: path.slice(0, -1), at: 'value', key: top.key, word: /[\w.-]*$/.exec(segment)![0] };
  const value = /^\s*([^\s:'"]+)\s*:\s*(\S*)$/.exec(segment);
  if (value) return { path, at: 'value', key: value[1], word: value[2] };
  return { path, at: 'key', word: /[\w.-]*$/.exec(segment)![0] };
}

/** Follows `$ref`s and merges `oneOf`/`anyOf` alternatives' properties and enums. */
function resolve(root: Schema, s: unknown, seen = 0): Schema {
  if (!s || typeof s !== 'object' || seen > 20) return {};
  let schema = s as Schema;
  if (typeof schema.$ref === 'string' && schema.$ref.startsWith('#/')) {
    let at: unknown = root;
    for (const part of schema.$ref.slice(2).split('/')) at = (at as Schema | undefined)?.[part];
    schema = { ...resolve(root, at, seen + 1), ...(schema.description ? { description: schema.description } : {}) };
  }
  const alternatives = [...(schema.oneOf as unknown[] ?? []), ...(schema.anyOf as unknown[] ?? [])].map((a) => resolve(root, a, seen + 1));
  if (!alternatives.length) return schema;
  const merged: Schema = { ...schema };
  const props: Record<string, unknown> = { ...(schema.properties as Schema ?? {}) };
  const enums: unknown[] = [...(schema.enum as unknown[] ?? [])];
  for (const a of alternatives) {
    Object.assign(props, a.properties as Schema ?? {});
    enums.push(...(a.enum as unknown[] ?? []));
    if (a.items && !merged.items) merged.items = a.items;
    if (a.required && !merged.required) merged.required = a.required;
  }
  if (Object.keys(props).length) merged.properties = props;
  if (enums.length) merged.enum = enums;
  return merged;
}

/** The schema at `path` (property names and `[]`), or null when the path leaves the schema. */
export function schemaAt(root: Schema, path: readonly string[]): Schema | null {
  let s = resolve(root, root);
  for (const part of path) {
    const next = part === '[]' ? s.items : (s.properties as Schema | undefined)?.[part] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
    if (next === undefined) return null;
    s = resolve(root, next);
  }
  return s;
}

/** Keys that take a declared device's name. */
const DEVICE_KEYS = new Set(['device', 'start', 'stop']);

/** The devices the scenario declares (`devices:` at the top). */
export function declaredDevices(text: string): string[] {
  const lines = text.split(/\r?\n/);
  const at = lines.findIndex((l) => /^devices\s*:\s*(#.*)?$/.test(l));
  if (at < 0) return [];
  const names: string[] = [];
  let col: number | undefined;
  for (const line of lines.slice(at + 1)) {
    if (!line.trim() || line.trim().startsWith('#')) continue;
    const indent = line.search(/\S/);
    if (indent === 0) break;
    col ??= indent;
    const m = /^\s*([A-Za-z_][\w-]*)\s*:/.exec(line);
    if (indent === col && m) names.push(m[1]);
  }
  return names;
}

/** What to offer at the end of `before` (the document up to the cursor), from the scenario schema. */
export function scenarioSuggestions(root: Schema, before: string, fullText = before): Suggestion[] {
  const ctx = completionContext(before);
  const here = schemaAt(root, ctx.path);
  if (!here) return [];
  if (ctx.at === 'value') {
    if (!ctx.key) return enumValues(here);
    const devices = DEVICE_KEYS.has(ctx.key) && ctx.path.at(-1) !== 'devices'
      ? declaredDevices(fullText).map((d): Suggestion => ({ label: d, insert: d, kind: 'device', detail: 'declared device' }))
      : [];
    const target = (here.properties as Schema | undefined)?.[ctx.key];
    return [...devices, ...(target ? enumValues(resolve(root, target)) : [])];
  }
  const props = here.properties as Record<string, Schema> | undefined;
  if (!props) return [];
  const required = new Set((here.required as string[] | undefined) ?? []);
  const isStep = ctx.path.at(-1) === '[]' && ['steps', 'cleanup'].includes(ctx.path.at(-2) ?? '');
  return Object.entries(props).map(([name, s]): Suggestion => {
    const r = resolve(root, s);
    return {
      label: name, insert: `${name}: `, kind: isStep && name !== 'name' ? 'step' : 'key',
      ...(typeof r.description === 'string' ? { documentation: r.description } : {}),
      ...(isStep && name !== 'name' ? { detail: 'step' } : { detail: typeLabel(r) }),
      ...(required.has(name) ? { required: true } : {}),
    };
  });
}

function enumValues(s: Schema): Suggestion[] {
  return ((s.enum as unknown[] | undefined) ?? []).map((v) => ({ label: String(v), insert: String(v), kind: 'value' as const }));
}

function typeLabel(s: Schema): string {
  if (Array.isArray(s.enum)) return s.enum.map(String).join(' | ');
  if (typeof s.type === 'string') return s.type;
  if (s.properties) return 'object';
  return '';
}
