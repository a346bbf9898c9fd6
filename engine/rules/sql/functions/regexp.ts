/**
 * regexp_matches / regexp_replace / regexp_substr [DG:iot-sql-functions]. AWS evaluates Java regular
 * expressions; JavaScript's are close. Leading inline flags (`(?i)`) are translated; a pattern JavaScript
 * cannot compile gives Undefined, as an invalid pattern does on AWS.
 */
import { toText, type SqlValue } from '../values.js';
import { pure, type SqlFunction } from './types.js';

const cache = new Map<string, RegExp | null>();
const CACHE_LIMIT = 512;

function compileJavaRegex(pattern: string, global: boolean): RegExp | null {
  const key = (global ? 'g:' : ':') + pattern;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let source = pattern;
  let flags = global ? 'g' : '';
  const inline = /^\(\?([imsx]+)\)/.exec(source);
  if (inline) {
    source = source.slice(inline[0].length);
    for (const f of inline[1]) if (f !== 'x' && !flags.includes(f)) flags += f;
  }
  source = source.replace(/\\A/g, '^').replace(/\\[zZ]/g, '$');
  let re: RegExp | null = null;
  try { re = new RegExp(source, flags); } catch {
    try { re = new RegExp(source, flags + 'u'); } catch { re = null; }
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, re);
  return re;
}

/** Java replacement syntax → JavaScript: `\x` is a literal x, `${name}` a named group, `$n` unchanged. */
function javaReplacement(r: string): string {
  return r.replace(/\\(.)|\$\{(\w+)\}|\$(\d)|\$/g, (m, esc: string | undefined, name: string | undefined, digit: string | undefined) => {
    if (esc !== undefined) return esc === '$' ? '$$' : esc;
    if (name !== undefined) return `$<${name}>`;
    if (digit !== undefined) return m;
    return '$$';
  });
}

function withRegex(a: SqlValue, b: SqlValue, global: boolean, f: (s: string, re: RegExp) => SqlValue): SqlValue {
  const s = toText(a);
  const p = toText(b);
  if (s === undefined || p === undefined) return undefined;
  const re = compileJavaRegex(p, global);
  if (!re) return undefined;
  re.lastIndex = 0;
  return f(s, re);
}

export const regexpFunctions: SqlFunction[] = [
  // "Returns true if the string contains a match" — a search, not a full match.
  pure('regexp_matches', 2, 2, (a, b) => withRegex(a, b, false, (s, re) => re.test(s))),
  pure('regexp_replace', 3, 3, (a, b, c) => {
    const r = toText(c);
    return r === undefined ? undefined : withRegex(a, b, true, (s, re) => s.replace(re, javaReplacement(r)));
  }),
  pure('regexp_substr', 2, 2, (a, b) => withRegex(a, b, false, (s, re) => re.exec(s)?.[0])),
];
