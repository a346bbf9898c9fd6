/**
 * A small JSONPath subset, enough to point into a device's message: `$` (the document), `.name` and `['name']`
 * (a member), `[n]` (an array element, negative from the end), `[*]` and `.*` (every element or member), and `..name`,
 * `..[n]`, `..*` (at any depth). No filters, slices, unions or scripts.
 */
export type Segment =
  | { kind: 'member'; name: string; deep: boolean }
  | { kind: 'index'; index: number; deep: boolean }
  | { kind: 'wildcard'; deep: boolean };

export class JsonPathError extends Error {}

/** Parses a path; throws `JsonPathError` saying what was expected and where. */
export function parseJsonPath(path: string): Segment[] {
  if (!path.startsWith('$')) throw new JsonPathError(`a JSONPath starts with $ (got ${JSON.stringify(path)})`);
  const out: Segment[] = [];
  let i = 1;
  const fail = (what: string): never => {
    throw new JsonPathError(`JSONPath ${JSON.stringify(path)}: expected ${what} at character ${i + 1}`);
  };
  while (i < path.length) {
    let deep = false;
    if (path.startsWith('..', i)) {
      deep = true;
      i += 2;
      if (path[i] === '[') {
        out.push(bracket(deep));
        continue;
      }
    } else if (path[i] === '.') i++;
    else if (path[i] === '[') {
      out.push(bracket(false));
      continue;
    } else fail("'.', '..' or '['");
    if (path[i] === '*') {
      out.push({ kind: 'wildcard', deep });
      i++;
      continue;
    }
    const m = /^[A-Za-z_$@\-][\w$@\-]*/.exec(path.slice(i)) ?? /^\d+/.exec(path.slice(i));
    if (!m) fail('a member name');
    out.push({ kind: 'member', name: m![0], deep });
    i += m![0].length;
  }
  return out;

  function bracket(deep: boolean): Segment {
    const rest = path.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^\[\s*\*\s*\]/.exec(rest))) {
      i += m[0].length;
      return { kind: 'wildcard', deep };
    }
    if ((m = /^\[\s*(-?\d+)\s*\]/.exec(rest))) {
      i += m[0].length;
      return { kind: 'index', index: Number(m[1]), deep };
    }
    if ((m = /^\[\s*'((?:[^'\\]|\\.)*)'\s*\]/.exec(rest)) || (m = /^\[\s*"((?:[^"\\]|\\.)*)"\s*\]/.exec(rest))) {
      i += m[0].length;
      return { kind: 'member', name: m[1].replace(/\\(.)/g, '$1'), deep };
    }
    return fail("[n], [*] or ['name']");
  }
}

function children(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v !== null && typeof v === 'object') return Object.values(v);
  return [];
}

function descendants(v: unknown, out: unknown[] = []): unknown[] {
  out.push(v);
  for (const c of children(v)) descendants(c, out);
  return out;
}

function step(v: unknown, s: Segment): unknown[] {
  switch (s.kind) {
    case 'wildcard': return children(v);
    case 'index': {
      if (!Array.isArray(v)) return [];
      const i = s.index < 0 ? v.length + s.index : s.index;
      return i >= 0 && i < v.length ? [v[i]] : [];
    }
    case 'member':
      return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, s.name) ? [(v as Record<string, unknown>)[s.name]] : [];
  }
}

/** Every value `path` selects in `doc`, in document order (none: an empty array). */
export function queryJsonPath(doc: unknown, path: string | Segment[]): unknown[] {
  const segments = typeof path === 'string' ? parseJsonPath(path) : path;
  let current: unknown[] = [doc];
  for (const s of segments) {
    const from = s.deep ? current.flatMap((v) => descendants(v)) : current;
    current = from.flatMap((v) => step(v, s));
  }
  return current;
}
