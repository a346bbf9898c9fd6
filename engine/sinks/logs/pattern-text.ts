/** What the filter pattern parsers share: their error, quoted strings and `*` wildcards. */
import { EngineError } from '../../core/index.js';

export function invalid(problem: string): EngineError {
  return new EngineError('InvalidInput', `Invalid filter pattern: ${problem}`);
}

/** A double-quoted string starting at `start` (backslash escapes `"` and `\`); returns the value and the index after it. */
export function quoted(text: string, start: number): [string, number] {
  let out = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) { out += text[++i]; continue; }
    if (c === '"') return [out, i + 1];
    out += c;
  }
  throw invalid(`the quoted string at column ${start + 1} is not closed`);
}

/** `*` matches any run of characters; everything else literally (no regex built from user text). */
export function wildcard(pattern: string): (s: string) => boolean {
  const parts = pattern.split('*');
  return (s) => {
    if (!s.startsWith(parts[0])) return false;
    let pos = parts[0].length;
    for (let k = 1; k < parts.length - 1; k++) {
      const at = s.indexOf(parts[k], pos);
      if (at < 0) return false;
      pos = at + parts[k].length;
    }
    const last = parts[parts.length - 1];
    return parts.length === 1 ? s === pattern : s.length - pos >= last.length && s.endsWith(last);
  };
}
