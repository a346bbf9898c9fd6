/**
 * regexp_matches / regexp_replace / regexp_substr [DG:iot-sql-functions]. AWS evaluates Java regular
 * expressions; here they run on RE2 (re2js), whose matching time is linear in the input, so no pattern and no
 * payload can stall the engine (`(a+)+$` on `aaaa…!` answers at once).
 *
 * LIMITATIONS (Java syntax RE2 does not have): backreferences (`\1`, `\k<name>`), lookahead (`(?=`, `(?!`),
 * lookbehind that captures, atomic groups (`(?>`), possessive quantifiers (`a++`), class intersection
 * (`[a-z&&[^q]]`), `\G`, `\R`, `\h`, `\H`, `\X` and the `x`/`u`/`d`/`U` inline flags. A rule whose pattern uses one is
 * refused (`UnsupportedRegex`: SqlParseException at CreateTopicRule for a constant pattern, a failed evaluation
 * with the reason for a pattern computed per message). A pattern that is invalid in any dialect gives Undefined,
 * as on AWS. Captureless lookbehind works; Java's POSIX classes (`\p{Alpha}`, `\p{Lower}`, …) are translated;
 * `\Z` is treated as `\z`.
 */
import { RE2JS } from 're2js';
import { SqlEvaluationError } from '../diagnostics.js';
import { limitExceeded, MAX_VALUE_SIZE } from '../limits.js';
import { toText, type SqlValue } from '../values.js';
import { pure, type SqlFunction } from './types.js';

type Compiled = { re: RE2JS } | { invalid: true } | { unsupported: string };

const cache = new Map<string, Compiled>();
const CACHE_LIMIT = 512;

/** Java's POSIX character classes, in RE2's spelling. */
const POSIX: Record<string, string> = {
  Lower: 'lower', Upper: 'upper', ASCII: 'ascii', Alpha: 'alpha', Digit: 'digit', Alnum: 'alnum', Punct: 'punct',
  Graph: 'graph', Print: 'print', Blank: 'blank', Cntrl: 'cntrl', XDigit: 'xdigit', Space: 'space',
};

/** Java constructs RE2 cannot run, found by a scan that skips escapes and tracks character classes. */
function unsupportedFeature(p: string): string | null {
  let inClass = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      const n = p[i + 1] ?? '';
      if (n === 'Q') { const end = p.indexOf('\\E', i + 2); i = end < 0 ? p.length : end + 1; continue; }
      if (!inClass && /[1-9]/.test(n)) return `a backreference (\\${n})`;
      if (n === 'k' && p[i + 2] === '<') return 'a named backreference (\\k<…>)';
      if ('GRhHX'.includes(n) && n) return `\\${n}`;
      i++;
      if ('pPx'.includes(n) && p[i + 1] === '{') i = Math.max(i, p.indexOf('}', i)); // \p{Name}, \x{hex}
      continue;
    }
    if (inClass) {
      if (c === '[') inClass++;
      else if (c === ']') inClass--;
      else if (c === '&' && p[i + 1] === '&') return 'a character class intersection (&&)';
      continue;
    }
    if (c === '[') {
      inClass = 1;
      if (p[i + 1] === '^') i++;
      if (p[i + 1] === ']') i++; // a leading ] is a literal
      continue;
    }
    if (c === '(' && p[i + 1] === '?') {
      const rest = p.slice(i + 2, i + 4);
      if (rest[0] === '=' || rest[0] === '!') return 'lookahead ((?= or (?!)';
      if (rest[0] === '>') return 'an atomic group ((?>…))';
      const flags = /^[a-zA-Z-]+/.exec(p.slice(i + 2))?.[0] ?? '';
      const bad = /[^ims-]/.exec(flags); // Java's U is Unicode classes, RE2's U is ungreedy: refused too
      if (bad) return `the inline flag (?${bad[0]})`;
      continue;
    }
    if ((c === '+' || c === '*' || c === '?' || c === '}') && p[i + 1] === '+' && !(c === '?' && p[i - 1] === '(')) {
      return `a possessive quantifier (${c}+)`;
    }
  }
  return null;
}

/** Java spellings RE2 writes differently: `\p{Alpha}`-style classes and `\Z`. One linear scan over the escapes. */
function translate(p: string): string {
  let out = '';
  for (let i = 0; i < p.length; i++) {
    if (p[i] !== '\\' || i + 1 >= p.length) { out += p[i]; continue; }
    const n = p[i + 1];
    const posix = (n === 'p' || n === 'P') ? /^\{(?:Is)?(\w+)\}/.exec(p.slice(i + 2, i + 24)) : null;
    if (posix && POSIX[posix[1]]) {
      out += `[[:${n === 'P' ? '^' : ''}${POSIX[posix[1]]}:]]`;
      i += 1 + posix[0].length;
    } else {
      out += n === 'Z' ? '\\z' : `\\${n}`;
      i++;
    }
  }
  return out;
}

function compileJavaRegex(pattern: string): Compiled {
  const hit = cache.get(pattern);
  if (hit) return hit;
  let out: Compiled;
  const feature = unsupportedFeature(pattern);
  if (feature) {
    out = { unsupported: `Regular expression ${JSON.stringify(pattern.slice(0, 100))} uses ${feature}, which the linear-time regex engine does not support` };
  } else {
    try {
      out = { re: RE2JS.compile(translate(pattern), RE2JS.LOOKBEHINDS) };
    } catch (e) {
      // RE2 refuses it: if JavaScript (a backtracking dialect close to Java's) accepts it, it is a feature we lack.
      let validElsewhere = false;
      try { new RegExp(pattern); validElsewhere = true; } catch { /* invalid in every dialect */ }
      out = validElsewhere
        ? { unsupported: `Regular expression ${JSON.stringify(pattern.slice(0, 100))} is not supported by the linear-time regex engine: ${(e as Error).message}` }
        : { invalid: true };
    }
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, out);
  return out;
}

/** Why a constant pattern cannot run here (for the checker), or null when it can (or is plainly invalid). */
export function regexProblem(pattern: string): string | null {
  const c = compileJavaRegex(pattern);
  return 'unsupported' in c ? c.unsupported : null;
}

type Part = string | number | { name: string };

/** Java replacement syntax: `\x` is a literal x, `$n` and `${name}` are groups; a lone `$` is kept literally. */
function javaReplacement(r: string, groupCount: number): Part[] {
  const parts: Part[] = [];
  let lit = '';
  for (let i = 0; i < r.length; i++) {
    const c = r[i];
    if (c === '\\' && i + 1 < r.length) { lit += r[++i]; continue; }
    if (c === '$') {
      const named = /^\{(\w+)\}/.exec(r.slice(i + 1));
      if (named) { parts.push(lit, { name: named[1] }); lit = ''; i += named[0].length; continue; }
      if (/[0-9]/.test(r[i + 1] ?? '')) {
        // [Java Matcher.appendReplacement] the first digit always counts; later ones while the group exists.
        let g = Number(r[++i]);
        while (/[0-9]/.test(r[i + 1] ?? '') && g * 10 + Number(r[i + 1]) <= groupCount) g = g * 10 + Number(r[++i]);
        parts.push(lit, g); lit = '';
        continue;
      }
    }
    lit += c;
  }
  parts.push(lit);
  return parts;
}

function withRegex(a: SqlValue, b: SqlValue, f: (s: string, re: RE2JS) => SqlValue): SqlValue {
  const s = toText(a);
  const p = toText(b);
  if (s === undefined || p === undefined) return undefined;
  const c = compileJavaRegex(p);
  if ('unsupported' in c) throw new SqlEvaluationError('UnsupportedRegex', c.unsupported);
  if ('invalid' in c) return undefined;
  return f(s, c.re);
}

/** Every match replaced; stops with LimitExceeded as soon as the result would pass the message size limit. */
function replaceAll(s: string, re: RE2JS, r: string): SqlValue {
  const parts = javaReplacement(r, re.groupCount());
  const m = re.matcher(s);
  let out = '';
  let last = 0;
  while (m.find()) {
    out += s.slice(last, m.start());
    for (const part of parts) {
      if (typeof part === 'string') out += part;
      else if (typeof part === 'number') { if (part > re.groupCount()) return undefined; out += m.group(part) ?? ''; }
      else { if (!(part.name in re.namedGroups())) return undefined; out += m.group(part.name) ?? ''; }
    }
    if (out.length > MAX_VALUE_SIZE) throw limitExceeded('regexp_replace');
    last = m.end();
  }
  out += s.slice(last);
  if (out.length > MAX_VALUE_SIZE) throw limitExceeded('regexp_replace');
  return out;
}

export const regexpFunctions: SqlFunction[] = [
  // "Returns true if the string contains a match" — a search, not a full match.
  pure('regexp_matches', 2, 2, (a, b) => withRegex(a, b, (s, re) => re.test(s))),
  pure('regexp_replace', 3, 3, (a, b, c) => {
    const r = toText(c);
    return r === undefined ? undefined : withRegex(a, b, (s, re) => replaceAll(s, re, r));
  }),
  pure('regexp_substr', 2, 2, (a, b) => withRegex(a, b, (s, re) => re.exec(s)?.[0])),
];
