/**
 * Tokenizer for AWS IoT SQL [DG:iot-sql-reference]. Keywords are case-insensitive; there are no comments
 * (AWS documents none). Strings take single or double quotes: the docs use both (`get(mydata,"item2")`,
 * `FROM 'topic/subtopic'`).
 */
import { SqlError, makeDiagnostic } from './diagnostics.js';

export type TokenKind = 'word' | 'number' | 'string' | 'variable' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Source text of the token (for strings: including quotes). */
  text: string;
  /** word: the identifier as written; string: the unescaped value; variable: the name without `@`. */
  value: string;
  /** word: upper-cased, for keyword tests. */
  upper: string;
  start: number;
  end: number;
}

/** Words that can never name a payload field (they end or start clauses). */
export const RESERVED = new Set(['SELECT', 'FROM', 'WHERE', 'AS', 'AND', 'OR', 'NOT', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'SET', 'TRUE', 'FALSE', 'NULL']);

const PUNCT2 = new Set(['<>', '<=', '>=', '!=']);
const PUNCT1 = new Set(['(', ')', '[', ']', '{', '}', ',', '.', ':', '*', '/', '%', '+', '-', '=', '<', '>']);
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0', '\\': '\\', '/': '/', "'": "'", '"': '"' };

const isWordStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isWordChar = (c: string) => isWordStart(c) || (c >= '0' && c <= '9');
const isDigit = (c: string) => c >= '0' && c <= '9';

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (code: 'UnterminatedString' | 'InvalidCharacter', start: number, end: number, message: string): never => {
    throw new SqlError([makeDiagnostic(source, code, 'error', { start, end }, message)]);
  };
  const push = (kind: TokenKind, start: number, value: string) => {
    const text = source.slice(start, i);
    tokens.push({ kind, text, value, upper: kind === 'word' ? value.toUpperCase() : '', start, end: i });
  };
  while (i < source.length) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v' || c === '\u00a0' || c === '\ufeff') { i++; continue; }
    const start = i;
    if (isWordStart(c)) {
      while (i < source.length && isWordChar(source[i])) i++;
      push('word', start, source.slice(start, i));
    } else if (isDigit(c)) {
      while (isDigit(source[i] ?? '')) i++;
      if (source[i] === '.' && isDigit(source[i + 1] ?? '')) { i++; while (isDigit(source[i] ?? '')) i++; }
      if ((source[i] === 'e' || source[i] === 'E') && (isDigit(source[i + 1] ?? '') || ((source[i + 1] === '-' || source[i + 1] === '+') && isDigit(source[i + 2] ?? '')))) {
        i += 2;
        while (isDigit(source[i] ?? '')) i++;
      }
      if (isWordStart(source[i] ?? '')) fail('InvalidCharacter', start, i + 1, `Invalid number '${source.slice(start, i + 1)}'`);
      push('number', start, source.slice(start, i));
    } else if (c === "'" || c === '"') {
      i++;
      let value = '';
      for (;;) {
        if (i >= source.length) fail('UnterminatedString', start, i, `Unterminated string: expected a closing ${c}`);
        const ch = source[i];
        if (ch === c) {
          if (source[i + 1] === c) { value += c; i += 2; continue; } // SQL-style doubled quote
          i++;
          break;
        }
        if (ch === '\\') {
          const next = source[i + 1] ?? '';
          if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(i + 2, i + 6))) {
            value += String.fromCharCode(parseInt(source.slice(i + 2, i + 6), 16));
            i += 6;
            continue;
          }
          value += ESCAPES[next] ?? next;
          i += 2;
          continue;
        }
        value += ch;
        i++;
      }
      push('string', start, value);
    } else if (c === '@') {
      i++;
      while (i < source.length && isWordChar(source[i])) i++;
      if (i === start + 1) fail('InvalidCharacter', start, i, "Expected a variable name after '@'");
      push('variable', start, source.slice(start + 1, i));
    } else if (PUNCT2.has(source.slice(i, i + 2))) {
      i += 2;
      push('punct', start, source.slice(start, i));
    } else if (PUNCT1.has(c)) {
      i++;
      push('punct', start, c);
    } else {
      fail('InvalidCharacter', start, start + 1, `Unexpected character '${c}'`);
    }
  }
  tokens.push({ kind: 'eof', text: '', value: '', upper: '', start: source.length, end: source.length });
  return tokens;
}
