import { EngineError } from '../core/index.js';

/**
 * A numeric field of JSON payloads, for the explorer's charts: `$.a.b`, `a.b`, `a[0].b`, `$['a b'].c` (a leading `$`
 * is the document). A payload that is not JSON, lacks the field or holds something other than a finite number there
 * gives no point.
 */
export type FieldPath = Array<string | number>;

export function parseFieldPath(path: string): FieldPath {
  const out: FieldPath = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new EngineError('InvalidInput', `field path ${JSON.stringify(path)}: expected ${what} at character ${i + 1}`);
  };
  if (path.startsWith('$')) i = 1;
  let first = i === 0;
  while (i < path.length) {
    if (path[i] === '[') {
      const quoted = /^\[\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]/.exec(path.slice(i));
      const index = /^\[\s*(\d+)\s*\]/.exec(path.slice(i));
      if (quoted) out.push((quoted[1] ?? quoted[2]).replace(/\\(.)/g, '$1'));
      else if (index) out.push(Number(index[1]));
      else fail("an index or a quoted name after '['");
      i += (quoted ?? index)![0].length;
    } else {
      if (!first) {
        if (path[i] !== '.') fail("'.' or '['");
        i++;
      }
      const name = /^[^.[\]]+/.exec(path.slice(i));
      if (!name) fail('a field name');
      out.push(name![0]);
      i += name![0].length;
    }
    first = false;
  }
  if (!out.length) throw new EngineError('InvalidInput', `field path ${JSON.stringify(path)} names no field`);
  return out;
}

/** The finite number at `path` in a JSON payload, if there is one. */
export function numberAt(payload: Buffer, path: FieldPath): number | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    if (typeof key === 'number') {
      if (!Array.isArray(value)) return undefined;
      value = value[key];
    } else {
      if (Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
      value = (value as Record<string, unknown>)[key];
    }
  }
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
